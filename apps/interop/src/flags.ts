/** Command-line flags as the interop programs take them. */
export interface ParsedFlags {
  readonly values: Readonly<Record<string, string>>;
  readonly help: boolean;
  /** What is wrong with the command line, if anything. */
  readonly error?: string;
}

/**
 * Parses `--name=value` and `--name value` (the gRPC interop programs' style)
 * for the names in `allowed`, plus `--help`. Unknown flags, stray words and
 * flags without a value are errors.
 */
export function parseFlags(argv: readonly string[], allowed: readonly string[]): ParsedFlags {
  const values: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const match = /^--([a-z_]+)(?:=(.*))?$/s.exec(arg);
    if (match === null) return { values, help, error: `unexpected argument '${arg}'` };
    const name = match[1]!;
    if (!allowed.includes(name)) return { values, help, error: `unknown flag --${name} (known: ${allowed.map((a) => `--${a}`).join(', ')})` };
    const value = match[2] ?? argv[++i];
    if (value === undefined || (match[2] === undefined && value.startsWith('--'))) return { values, help, error: `--${name} needs a value` };
    values[name] = value;
  }
  return { values, help };
}
