#!/usr/bin/env node
import { runMain } from '@switchboard/server';
import { loadApp } from './load-app';

const USAGE = `usage: switchboard start <app> [<app>...] [--config FILE]

  start   serve the apps (package names or folders) on one server;
          config from ./config/default.json, ./config/$NODE_ENV.json,
          environment variables, then --config FILE`;

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
  const apps: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--config') i++;
    else if (arg.startsWith('--config=')) continue;
    else if (arg.startsWith('-')) {
      // A mistyped option (--confg) must not start the apps on defaults.
      process.stderr.write(`unknown option '${arg}'\n${USAGE}\n`);
      process.exit(2);
    } else apps.push(arg);
  }
  if (apps.length === 0) {
    process.stderr.write(`start needs at least one app\n${USAGE}\n`);
    process.exit(2);
  }
  let modules;
  try {
    modules = apps.map((app) => loadApp(app));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  void runMain({ modules, config: { argv: rest } });
}

main(process.argv.slice(2));
