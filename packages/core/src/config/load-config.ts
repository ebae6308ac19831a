import convict from 'convict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SwitchboardError } from '../switchboard-error';
import { configProblems, environmentValues, isGroup } from './check-config';
import { addFormats } from './formats';

/** Where configuration comes from; every field defaults to the current process. */
export interface ConfigSources {
  /** Command-line arguments; `--config FILE` (or `--config=FILE`) is read last. */
  argv?: readonly string[];
  /** Environment variables, for the keys whose schema names an `env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The folder holding `default.json` and `<NODE_ENV>.json`; default `<cwd>/config`; null reads no files. */
  configDir?: string | null;
  /**
   * Values given as an object (a program's own options), applied last and
   * checked like a file's; `origin` names them in error messages.
   */
  values?: { readonly tree: object; readonly origin: string };
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
 * variables, then the file named by `--config`. Files must give values of
 * the right JSON type: `"health": "no"` and `"port": "50051"` are errors, not
 * true and 50051. Environment variables are parsed strictly by each key's
 * format: whole numbers are digits only, booleans true or false in any case.
 * Every problem is reported at once, each with its path, the value given,
 * where it came from and what is allowed; nothing is returned unless all of
 * it is valid. The result is deeply frozen.
 *
 * @example
 * const config = loadConfig({ ...serverConfigSchema, ...ordersConfigSchema });
 * config.server.port; // 50051
 */
export function loadConfig<T>(schema: convict.Schema<T>, sources: ConfigSources = {}): Readonly<T> {
  addFormats();
  const env = sources.env ?? process.env;
  const argv = sources.argv ?? process.argv.slice(2);
  const dir = sources.configDir === null ? undefined : (sources.configDir ?? env['SWITCHBOARD_CONFIG_DIR'] ?? path.join(process.cwd(), 'config'));
  const files = dir === undefined ? [] : [path.join(dir, 'default.json')];
  if (dir !== undefined && env['NODE_ENV']) files.push(path.join(dir, `${env['NODE_ENV']}.json`));

  let config: convict.Config<T>;
  try {
    // The environment is applied below, parsed strictly by each key's format:
    // convict would read "51005abc" as 51005 and "no" as true.
    config = convict(schema, { env: {}, args: [] });
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_CONFIG', `invalid config schema: ${(cause as Error).message}`, { cause });
  }
  const loaded: string[] = ['defaults'];
  // Where each key written by the user came from, for explicitKeys and for error messages.
  const origins = new Map<string, string>();
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const tree = readJson(file);
    for (const [key] of leaves(tree)) origins.set(key, file);
    for (const [key, value] of assignments(schema, tree)) set(config, key, value);
    loaded.push(file);
  }
  for (const { path: key, value, variable } of environmentValues(schema, env)) {
    set(config, key, value);
    origins.set(key, `environment variable ${variable}`);
  }
  loaded.push('environment');
  const explicitFile = configFlag(argv);
  if (explicitFile !== undefined) {
    const tree = readJson(explicitFile);
    for (const [key] of leaves(tree)) origins.set(key, explicitFile);
    for (const [key, value] of assignments(schema, tree)) set(config, key, value);
    loaded.push(explicitFile);
  }
  if (sources.values !== undefined) {
    const { tree, origin } = sources.values;
    for (const [key] of leaves(tree as Tree)) origins.set(key, origin);
    for (const [key, value] of assignments(schema, tree as Tree)) set(config, key, value);
    loaded.push(origin);
  }

  const properties = config.getProperties();
  const problems = configProblems(schema, properties, origins);
  if (problems.length > 0) {
    throw new SwitchboardError('SB_ERR_CONFIG', `invalid configuration (from ${loaded.join(', ')}):\n  ${problems.join('\n  ')}`);
  }
  const result = deepFreeze(properties);
  explicit.set(result as object, new Set(origins.keys()));
  return result;
}

/**
 * The keys a file sets, each with its value: groups of the schema are entered,
 * and so are objects given for a key whose default is an object (metadata
 * maps merge across files); anything else is set whole. Convict's own merge
 * would pour an object given for a list into that list, unseen.
 */
function* assignments(schema: Tree, tree: Tree, prefix = ''): Generator<[string, unknown]> {
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    const node = schema[key];
    const mergeable = isGroup(node) || (isPlainObject((node as { default?: unknown } | undefined)?.default) && isPlainObject(value));
    if (mergeable && isPlainObject(value)) yield* assignments(isGroup(node) ? node : {}, value, full);
    else yield [full, value];
  }
}

/** Sets one key; a key under a group that a file replaced with a non-object is left out (that group is reported). */
function set<T>(config: convict.Config<T>, key: string, value: unknown): void {
  try {
    config.set(key as never, value as never);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

/**
 * The defaults a schema declares, as a config object: what a test or a
 * program builds a config from without loading anything.
 *
 * @example
 * const server = { ...schemaDefaults(serverConfigSchema).server, port: 0 };
 */
export function schemaDefaults<T>(schema: convict.Schema<T>): T {
  const walk = (node: Tree): Tree => Object.fromEntries(Object.entries(node).map(([k, v]) => [k, isGroup(v) ? walk(v) : (v as { default?: unknown }).default]));
  return walk(schema) as T;
}

/** The file of `--config FILE` or `--config=FILE`; given twice, an error rather than a silent choice of one. */
/** The file `--config FILE` (or `--config=FILE`) names, resolved from `cwd`; given twice or without a name, an error. @internal */
export function configFlag(argv: readonly string[], cwd: string = process.cwd()): string | undefined {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config') {
      const next = argv[++i];
      if (next === undefined || next === '' || next.startsWith('-')) {
        throw new SwitchboardError('SB_ERR_CONFIG', `--config needs a file name${next === undefined ? '' : ` (got '${next}')`}`);
      }
      files.push(path.resolve(cwd, next));
    } else if (arg.startsWith('--config=')) {
      if (arg === '--config=') throw new SwitchboardError('SB_ERR_CONFIG', '--config needs a file name');
      files.push(path.resolve(cwd, arg.slice('--config='.length)));
    }
  }
  if (files.length > 1) throw new SwitchboardError('SB_ERR_CONFIG', `--config is given ${files.length} times (${files.join(', ')}): give one file`);
  return files[0];
}

/** A config file's JSON object; a file that cannot be read or is not a JSON object is an SB_ERR_CONFIG naming it. @internal */
export function readJson(file: string): Tree {
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

const isPlainObject = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

function* leaves(tree: Tree, prefix = ''): Generator<[string, unknown]> {
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) yield* leaves(value as Tree, full);
    else yield [full, value];
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
