import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, type Command } from '../command';
import { shown } from '../codegen/compile-protos';
import { applyGenDiff, genDiff, isCurrent, type GenDiff } from '../codegen/gen-diff';
import { generateApp } from '../codegen/generate-app';

/**
 * `switchboard gen`: an app's message types and typed service descriptors
 * from its protos, into `src/gen`; `--check` fails on drift instead.
 *
 * @example
 * // in apps/greeter: proto/helloworld.proto -> src/gen/helloworld/*.ts, src/gen/services.ts
 * // $ npx switchboard gen
 * // apps/greeter: wrote src/gen/services.ts
 * import { Greeter } from './gen/services';
 */
export const gen: Command = {
  synopsis: 'gen [app...] [--check]           generate types and service descriptors from protos',
  usage: `usage: switchboard gen [app...] [--check]

  For each app folder (default: the current directory), compile every
  proto/**/*.proto and write src/gen: the message and handler types
  (proto-loader-gen-types, with the options loadProto loads with) and
  src/gen/services.ts, one typed descriptor per service:

    export const Greeter = serviceDescriptor<GreeterHandlers, GreeterDefinition>(loadProto(…), 'helloworld.Greeter');

  src/gen belongs to gen: files it no longer generates are removed.

  --check   write nothing; exit 1 naming every file of src/gen that is stale,
            missing or no longer generated`,
  async run(rest) {
    let check = false;
    const apps: string[] = [];
    for (const arg of rest) {
      if (arg === '--check') check = true;
      else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
      else apps.push(arg);
    }
    const dirs = (apps.length > 0 ? apps : ['.']).map((app) => {
      const dir = path.resolve(app);
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`app folder '${app}' not found (looked for ${dir})`);
      return dir;
    });
    // Every app is generated before anything is written: a proto that does not compile writes nothing.
    const diffs: GenDiff[] = [];
    for (const dir of dirs) diffs.push(genDiff(dir, await generateApp(dir)));
    if (check) {
      const drifted = diffs.filter((d) => !isCurrent(d));
      if (drifted.length > 0) throw new Error(drifted.map(driftMessage).join('\n'));
      process.stdout.write(`${diffs.map((d) => `${shown(d.appDir)}: src/gen is up to date`).join('\n')}\n`);
      return;
    }
    for (const diff of diffs) {
      applyGenDiff(diff);
      process.stdout.write(`${shown(diff.appDir)}: ${summary(diff)}\n`);
    }
  },
};

function driftMessage(diff: GenDiff): string {
  const app = shown(diff.appDir);
  const lines = [
    ...diff.stale.map((f) => `  ${f} is stale`),
    ...diff.missing.map((f) => `  ${f} is missing`),
    ...diff.extra.map((f) => `  ${f} is no longer generated`),
  ];
  return `${app}: generated code is out of date with its protos (run \`switchboard gen ${app}\` and commit src/gen):\n${lines.join('\n')}`;
}

function summary(diff: GenDiff): string {
  if (isCurrent(diff)) return `src/gen is up to date (${diff.generated.size} files)`;
  const parts = [];
  if (diff.missing.length + diff.stale.length > 0) parts.push(`wrote ${[...diff.missing, ...diff.stale].join(', ')}`);
  if (diff.extra.length > 0) parts.push(`removed ${diff.extra.join(', ')}`);
  return parts.join('; ');
}
