#!/usr/bin/env node
import type { Command } from './command';
import { UsageError } from './command';
import { deploy } from './commands/deploy';
import { gen } from './commands/gen';
import { newApp } from './commands/new';
import { start } from './commands/start';

/** Every subcommand, in the order `switchboard --help` lists them. */
const COMMANDS: Readonly<Record<string, Command>> = { new: newApp, start, gen, deploy };

const USAGE = `usage: switchboard <command> [options]

${Object.values(COMMANDS)
  .map((c) => `  ${c.synopsis}`)
  .join('\n')}

  switchboard <command> --help   the options of one command`;

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stderr.write(`${USAGE}\n`);
    process.exit(name === undefined ? 2 : 0);
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})\n${USAGE}\n`);
    process.exit(2);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stderr.write(`${command.usage}\n`);
    process.exit(0);
  }
  try {
    await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${command.usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}

void main(process.argv.slice(2));
