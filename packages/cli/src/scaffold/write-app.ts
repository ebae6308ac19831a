import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROTO_DIR, shown } from '../codegen/compile-protos';
import { applyGenDiff, genDiff } from '../codegen/gen-diff';
import { generateApp } from '../codegen/generate-app';
import type { AppPlan } from './app-plan';
import { clientTemplate, configTemplate, indexTemplate } from './module-templates';
import { JEST_CONFIG, TSCONFIG, TSCONFIG_BUILD, defaultConfigTemplate, packageJsonTemplate } from './package-templates';
import { protoTemplate } from './proto-template';
import { readmeTemplate } from './readme-template';
import { formatLikeRepo } from './repo-prettier';
import { serviceTemplate } from './service-template';
import { testTemplate } from './test-template';

/** One file `switchboard new` wrote, relative to the app's folder. */
export interface WrittenFile {
  readonly file: string;
  readonly lines: number;
  /** Written by `switchboard gen` rather than from a template. */
  readonly generated: boolean;
}

/** Every file of the new app but the generated ones, by path relative to its folder (with `/`). */
export function appFiles(plan: AppPlan): Map<string, string> {
  const { names } = plan;
  const own = `${PROTO_DIR}/${names.name}.proto`;
  const files = new Map<string, string>([[own, protoTemplate(plan)]]);
  for (const client of plan.clients) {
    for (const [file, source] of client.protos) {
      const at = `${PROTO_DIR}/${file}`;
      const other = files.get(at);
      if (at === own) throw new Error(`--client ${client.app}: its ${at} would replace ${names.name}'s own proto: choose another app name`);
      if (other !== undefined && other !== source) throw new Error(`--client ${client.app}: its ${at} differs from the ${at} of another --client`);
      files.set(at, source);
    }
    files.set(`src/${client.app}-client.ts`, clientTemplate(plan, client));
  }
  files.set(`src/${names.name}-config.ts`, configTemplate(plan));
  files.set(`src/${names.name}-service.ts`, serviceTemplate(plan));
  files.set('src/index.ts', indexTemplate(plan));
  files.set(`test/${names.name}.int.test.ts`, testTemplate(plan));
  files.set('config/default.json', defaultConfigTemplate(plan));
  files.set('package.json', packageJsonTemplate(plan));
  files.set('tsconfig.json', TSCONFIG);
  files.set('tsconfig.build.json', TSCONFIG_BUILD);
  files.set('jest.config.js', JEST_CONFIG);
  files.set('README.md', readmeTemplate(plan));
  return files;
}

/**
 * Writes `apps/<name>` of the monorepo at `root`, all or nothing: the files
 * and `src/gen` (gen's own functions, in this process) are made in a hidden
 * folder beside it, then renamed into place. An existing folder is refused.
 */
export async function writeApp(root: string, plan: AppPlan): Promise<WrittenFile[]> {
  const target = path.join(root, 'apps', plan.names.name);
  const refuse = (): Error => new Error(`apps/${plan.names.name} exists already (${target}): choose another name, or remove it first`);
  if (fs.existsSync(target)) throw refuse();
  const files = await formatLikeRepo(root, target, appFiles(plan));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = fs.mkdtempSync(path.join(path.dirname(target), `.${plan.names.name}-new-`));
  try {
    for (const [file, content] of files) {
      fs.mkdirSync(path.dirname(path.join(temp, file)), { recursive: true });
      fs.writeFileSync(path.join(temp, file), content);
    }
    let diff;
    try {
      diff = genDiff(temp, await generateApp(temp));
    } catch (cause) {
      // Name the app's folder to be, not the hidden one it is being made in.
      const message = (cause as Error).message.replaceAll(temp, target).replaceAll(shown(temp), shown(target));
      throw new Error(message, { cause });
    }
    applyGenDiff(diff);
    // rename() would replace an empty folder made since the check above.
    if (fs.existsSync(target)) throw refuse();
    fs.renameSync(temp, target);
    const written = [...files.keys(), ...diff.missing].map((file) => ({
      file,
      lines: lineCount(fs.readFileSync(path.join(target, file), 'utf8')),
      generated: diff.missing.includes(file),
    }));
    return written.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
