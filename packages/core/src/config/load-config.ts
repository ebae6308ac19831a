import convict from 'convict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SwitchboardError } from '../switchboard-error';
import { addFormats } from './formats';

/** Where configuration comes from; every field defaults to the current process. */
export interface ConfigSources {
  /** Command-line arguments; `--config FILE` (or `--config=FILE`) is read last. */
  argv?: readonly string[];
  /** Environment variables, for the keys whose schema names an `env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The folder holding `default.json` and `<NODE_ENV>.json`; default `<cwd>/config`. */
  configDir?: string;
}

type Tree = { [key: string]: unknown };

const explicit = new WeakMap<object, ReadonlySet<string>>();

/**
 * The paths (`clients.orders.deadlineMs`) a loaded config got from a file,
 * the environment or `--config`, rather than from schema defaults: what lets
 * a section of defaults (`clientDefaults`) yield to what was actually written.
 */
export function explicitKeys(config: object): ReadonlySet<string> {
  return explicit.get(config) ?? new Set();
}

/** A convict schema whose values have type `T`. */
export type ConfigSchema<T> = convict.Schema<T>;

/**
 * Loads and validates configuration: schema defaults, then
 * `config/default.json`, then `config/<NODE_ENV>.json`, then environment
 * variables, then the file named by `--config`. Every problem is reported at
 * once, each with its path, its value and what is allowed; nothing is
 * returned unless all of it is valid. The result is deeply frozen.
 *
 * @example
 * const config = loadConfig({ ...serverConfigSchema, ...ordersConfigSchema });
 * config.server.port; // 50051
 */
export function loadConfig<T>(schema: convict.Schema<T>, sources: ConfigSources = {}): Readonly<T> {
  addFormats();
  const env = sources.env ?? process.env;
  const argv = sources.argv ?? process.argv.slice(2);
  const dir = sources.configDir ?? env['SWITCHBOARD_CONFIG_DIR'] ?? path.join(process.cwd(), 'config');
  const files = [path.join(dir, 'default.json')];
  if (env['NODE_ENV']) files.push(path.join(dir, `${env['NODE_ENV']}.json`));

  let config: convict.Config<T>;
  try {
    config = convict(schema, { env: env, args: [] });
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_CONFIG', `invalid value in the environment: ${(cause as Error).message}`, { cause });
  }
  const loaded: string[] = ['defaults'];
  const written = new Set<string>();
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const tree = readJson(file);
    for (const [key] of leaves(tree)) written.add(key);
    config.load(tree); // convict re-applies the environment after each load
    loaded.push(file);
  }
  for (const key of envKeys(schema, env)) written.add(key);
  loaded.push('environment');
  const explicitFile = configFlag(argv);
  if (explicitFile !== undefined) {
    // `set` outranks the environment in convict, which is the order we promise.
    for (const [key, value] of leaves(readJson(explicitFile))) {
      config.set(key as never, value as never);
      written.add(key);
    }
    loaded.push(explicitFile);
  }

  try {
    config.validate({ allowed: 'strict' });
  } catch (cause) {
    const problems = [...new Set((cause as Error).message.split('\n').map((line) => explain(line, schema as Tree, (key) => safeGet(config, key))))];
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `invalid configuration (from ${loaded.join(', ')}):\n  ${problems.join('\n  ')}`,
      { cause },
    );
  }
  const result = deepFreeze(config.getProperties());
  explicit.set(result as object, written);
  return result;
}

/**
 * The defaults a schema declares, as a config object: what a test or a
 * program builds a config from without loading anything.
 *
 * @example
 * const server = { ...schemaDefaults(serverConfigSchema).server, port: 0 };
 */
export function schemaDefaults<T>(schema: convict.Schema<T>): T {
  const walk = (node: Tree): Tree =>
    Object.fromEntries(Object.entries(node).map(([k, v]) => [k, isGroup(v) ? walk(v as Tree) : (v as { default?: unknown }).default]));
  return walk(schema) as T;
}

/** The paths whose schema names an environment variable that is set. */
function* envKeys(schema: Tree, env: Readonly<Record<string, string | undefined>>, prefix = ''): Generator<string> {
  for (const [key, node] of Object.entries(schema)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof node !== 'object' || node === null) continue;
    const name = (node as { env?: unknown }).env;
    if ('default' in node || 'format' in node) {
      if (typeof name === 'string' && env[name] !== undefined) yield path;
    } else {
      yield* envKeys(node as Tree, env, path);
    }
  }
}

function configFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config') {
      const next = argv[i + 1];
      if (next === undefined) throw new SwitchboardError('SB_ERR_CONFIG', '--config needs a file name');
      return path.resolve(next);
    }
    if (arg.startsWith('--config=')) return path.resolve(arg.slice('--config='.length));
  }
  return undefined;
}

function readJson(file: string): Tree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_CONFIG', `cannot read config file ${file}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_CONFIG', `config file ${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SwitchboardError('SB_ERR_CONFIG', `config file ${file} must hold a JSON object`);
  }
  return parsed as Tree;
}

function* leaves(tree: Tree, prefix = ''): Generator<[string, unknown]> {
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) yield* leaves(value as Tree, full);
    else yield [full, value];
  }
}

/**
 * Turns convict's "not declared" line into one that names the first key of
 * the path the schema does not have, its value, and what is allowed there.
 */
function explain(line: string, schema: Tree, valueOf: (key: string) => unknown): string {
  const match = /^configuration param '(.+)' not declared in the schema$/.exec(line);
  if (!match?.[1]) return line;
  const parts = match[1].split('.');
  let node: unknown = schema;
  let depth = 0;
  while (depth < parts.length - 1 && isGroup((node as Tree)[parts[depth]!])) node = (node as Tree)[parts[depth++]!];
  const key = parts.slice(0, depth + 1).join('.');
  const parent = parts.slice(0, depth).join('.');
  const allowed = Object.keys(node as Tree).join(', ') || '(none)';
  return `${key}: unknown key (value ${JSON.stringify(valueOf(key))}); allowed ${parent ? `under '${parent}'` : 'at the top level'}: ${allowed}`;
}

/** A schema node that groups keys, rather than declaring a value. */
function isGroup(node: unknown): boolean {
  return typeof node === 'object' && node !== null && !('default' in node) && !('format' in node);
}

function safeGet(config: { get(key: never): unknown }, key: string): unknown {
  try {
    return config.get(key as never);
  } catch {
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
