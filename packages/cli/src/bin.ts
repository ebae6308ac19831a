#!/usr/bin/env node
import { runMain } from '@switchboard/server';
import { appsFromConfig, appsKeyModule, type AppSpec } from './config-apps';
import { loadApp } from './load-app';

const USAGE = `usage: switchboard start <app>... [--config FILE]
       switchboard start --config FILE

  start   serve the apps (package names or folders) on one server;
          config from ./config/default.json, ./config/$NODE_ENV.json,
          environment variables, then --config FILE. The apps are those
          named here or, when none is, the config's \`apps\` key
          (e.g. switchboard start --config deploy/all-in-one.json)`;

function main(argv: readonly string[]): void {
  const [command, ...rest] = argv;
  if (command !== 'start') {
    process.stderr.write(`${command === undefined || command === '--help' ? '' : `unknown command '${command}'\n`}${USAGE}\n`);
    process.exit(command === '--help' ? 0 : 2);
  }
  if (rest.includes('--help')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--config') i++;
    else if (arg.startsWith('--config=')) continue;
    else if (arg.startsWith('-')) {
      // A mistyped option (--confg) must not start the apps on defaults.
      process.stderr.write(`unknown option '${arg}'\n${USAGE}\n`);
      process.exit(2);
    } else args.push(arg);
  }
  let modules;
  try {
    // Apps named on the command line replace the config's, as every later source replaces a list.
    const apps: AppSpec[] =
      args.length > 0 ? args.map((spec) => ({ spec, baseDir: process.cwd(), origin: 'the command line' })) : appsFromConfig({ argv: rest });
    if (apps.length === 0) {
      process.stderr.write(`start needs at least one app, on the command line or in the config's \`apps\` key\n${USAGE}\n`);
      process.exit(2);
    }
    modules = apps.map((app) => loadApp(app.spec, app.baseDir, app.origin));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  void runMain({ modules: [...modules, appsKeyModule], config: { argv: rest } });
}

main(process.argv.slice(2));
