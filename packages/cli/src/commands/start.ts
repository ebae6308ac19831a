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
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i] ?? '';
      if (arg === '--config') i++;
      else if (arg.startsWith('--config=')) continue;
      // A mistyped option (--confg) must not start the apps on defaults.
      else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
      else args.push(arg);
    }
    // Apps named on the command line replace the config's, as every later source replaces a list.
    const apps: AppSpec[] =
      args.length > 0 ? args.map((spec) => ({ spec, baseDir: process.cwd(), origin: 'the command line' })) : appsFromConfig({ argv: rest });
    if (apps.length === 0) throw new UsageError("start needs at least one app, on the command line or in the config's `apps` key");
    const modules = apps.map((app) => loadApp(app.spec, app.baseDir, app.origin));
    void runMain({ modules: [...modules, appsKeyModule], config: { argv: rest } });
  },
};
