/** One `switchboard` subcommand. */
export interface Command {
  /** One line for the command list, e.g. `start <app>... [--config FILE]`. */
  readonly synopsis: string;
  /** The whole help text of the command, printed by `switchboard <command> --help`. */
  readonly usage: string;
  /**
   * Runs the command with the arguments after its name. The process exit
   * code is the command's business: a long-running command (start) keeps
   * the process alive; a short one returns and the process exits 0, or
   * throws a {@link UsageError} (exit 2) or any error (exit 1, its message printed).
   */
  run(args: readonly string[]): void | Promise<void>;
}

/** A command line that does not parse: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
