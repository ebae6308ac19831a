import * as fs from 'node:fs';
import * as path from 'node:path';
import { configFlag, defineModule, loadConfig, readConfigFile, type ConfigSchema } from '@switchboard/core';

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
  const explicit = configFlag(sources.argv ?? process.argv.slice(2), cwd);
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
  const tree = readConfigFile(file);
  return 'apps' in tree ? { value: tree['apps'], file } : undefined;
}
