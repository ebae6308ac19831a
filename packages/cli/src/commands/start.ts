import * as fs from 'node:fs';
import { runMain } from '@switchboard/server';
import { appsFromConfig, appsKeyModule, type AppSpec } from '../config-apps';
import { UsageError, type Command } from '../command';
import { loadApp } from '../load-app';

/** `switchboard start`: serve apps on one server. */
export const start: Command = {
  synopsis: 'start <app>... [--config FILE]   serve apps on one server',
  usage: `usage: switchboard start <app>... [--config FILE]
       switchboard start --config FILE

  Serve the apps (package names or folders) on one server; config from
  ./config/default.json, ./config/$NODE_ENV.json, environment variables,
  then --config FILE. The apps are those named here or, when none is, the
  config's \`apps\` key (e.g. switchboard start --config deploy/all-in-one.json)`,
  run(rest) {
    const args: string[] = [];
    const configs: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i] ?? '';
      if (arg === '--config') {
        const file = rest[++i];
        if (file === undefined || file === '' || file.startsWith('-'))
          throw new UsageError(`--config needs a file name${file === undefined ? '' : ` (got '${file}')`}`);
        configs.push(file);
      } else if (arg.startsWith('--config=')) {
        if (arg === '--config=') throw new UsageError('--config needs a file name');
        configs.push(arg.slice('--config='.length));
      }
      // A mistyped option (--confg) must not start the apps on defaults.
      else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
      else args.push(arg);
    }
    if (configs.length > 1) throw new UsageError(`--config is given ${configs.length} times (${configs.join(', ')}): give one file`);
    if (configs[0] !== undefined && fs.statSync(configs[0], { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`--config ${configs[0]} is a folder: give the config file (a folder of config files is SWITCHBOARD_CONFIG_DIR)`);
    }
    // Apps named on the command line replace the config's, as every later source replaces a list.
    const apps: AppSpec[] =
      args.length > 0 ? args.map((spec) => ({ spec, baseDir: process.cwd(), origin: 'the command line' })) : appsFromConfig({ argv: rest });
    if (apps.length === 0) throw new UsageError("start needs at least one app, on the command line or in the config's `apps` key");
    const modules = apps.map((app) => loadApp(app.spec, app.baseDir, app.origin));
    void runMain({ modules: [...modules, appsKeyModule], config: { argv: rest } });
  },
};
