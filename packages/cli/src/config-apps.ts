import * as fs from 'node:fs';
import * as path from 'node:path';
import { SwitchboardError, defineModule, loadConfig, type ConfigSchema } from '@switchboard/core';

/** An app to serve: its spec, the folder a relative spec starts from, and where it was named. */
export interface AppSpec {
  readonly spec: string;
  readonly baseDir: string;
  readonly origin: string;
}

/** What the `apps` key is read from; each field defaults to the current process. */
export interface AppSources {
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

const VARIABLE = 'SWITCHBOARD_APPS';

/** The `apps` key: what `switchboard start` serves. */
export const appsConfigSchema: ConfigSchema<{ apps: string[] }> = {
  apps: {
    doc:
      'The apps `switchboard start` serves, as package names (@switchboard/app-orders) or folders (./apps/greeter). ' +
      'A folder in a file is relative to that file; from the environment, to the working directory. Apps named on ' +
      'the command line replace these.',
    format: 'names',
    default: [],
    env: VARIABLE,
  },
};

/** A module with no services that declares the `apps` key, so that the server's full check accepts it. @internal */
export const appsKeyModule = defineModule<{ apps: string[] }>({ name: 'switchboard start', config: appsConfigSchema, services: [] });

/**
 * The `apps` config key alone, read before the apps (and so the rest of the
 * schema) are known: from the same sources as the whole config, in the same
 * order (`config/default.json`, `config/<NODE_ENV>.json`, `SWITCHBOARD_APPS`,
 * `--config FILE`), the last one that sets it winning. Only that source's
 * value is checked here, by the schema's own format, so that an error names
 * the key, the value, where it came from and what is allowed; every other
 * key is checked when the server starts. A folder is relative to the file
 * that names it, or to the working directory when it comes from the
 * environment.
 * @internal
 */
export function appsFromConfig(sources: AppSources = {}): AppSpec[] {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const dir = env['SWITCHBOARD_CONFIG_DIR'] ?? path.join(cwd, 'config');
  const files = [path.join(dir, 'default.json')];
  if (env['NODE_ENV']) files.push(path.join(dir, `${env['NODE_ENV']}.json`));

  let winner: { value: unknown; file: string } | { text: string } | undefined;
  for (const file of files) {
    if (fs.existsSync(file)) winner = fileApps(file) ?? winner;
  }
  const text = env[VARIABLE];
  if (text !== undefined) winner = { text };
  const explicit = configFile(sources.argv ?? process.argv.slice(2), cwd);
  if (explicit !== undefined) winner = fileApps(explicit) ?? winner;
  if (winner === undefined) return [];

  const { apps } = loadConfig<{ apps: string[] }>(
    appsConfigSchema,
    'text' in winner
      ? { argv: [], configDir: null, env: { [VARIABLE]: winner.text } }
      : { argv: [], configDir: null, env: {}, values: { tree: { apps: winner.value }, origin: winner.file } },
  );
  const baseDir = 'file' in winner ? path.dirname(winner.file) : cwd;
  const origin = 'file' in winner ? `apps in ${winner.file}` : `environment variable ${VARIABLE}`;
  return apps.map((spec) => ({ spec, baseDir, origin }));
}

/** The `apps` a config file sets, if it sets them. */
function fileApps(file: string): { value: unknown; file: string } | undefined {
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
  return 'apps' in parsed ? { value: parsed.apps, file } : undefined;
}

/** The file of `--config FILE` or `--config=FILE`, resolved from `cwd`; given twice or without a name, an error. */
function configFile(argv: readonly string[], cwd: string): string | undefined {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg === '--config' ? argv[++i] : arg.startsWith('--config=') ? arg.slice('--config='.length) : undefined;
    if (arg !== '--config' && name === undefined) continue;
    if (name === undefined || name === '' || name.startsWith('-')) {
      throw new SwitchboardError('SB_ERR_CONFIG', `--config needs a file name${name ? ` (got '${name}')` : ''}`);
    }
    files.push(path.resolve(cwd, name));
  }
  if (files.length > 1) throw new SwitchboardError('SB_ERR_CONFIG', `--config is given ${files.length} times (${files.join(', ')}): give one file`);
  return files[0];
}
