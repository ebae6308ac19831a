import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROTO_DIR, shown } from '../codegen/compile-protos';
import { applyGenDiff, genDiff } from '../codegen/gen-diff';
import { generateApp } from '../codegen/generate-app';
import { withSignalCleanup } from '../signal-cleanup';
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
  let temp: string | undefined;
  // A signal (Ctrl-C) ends the process without running `finally`: the hidden folder is removed then too. The handler is in
  // place before the folder exists: a signal with no listener ends the process at once.
  return withSignalCleanup(
    () => {
      if (temp !== undefined) fs.rmSync(temp, { recursive: true, force: true });
    },
    async () => {
      temp = hiddenFolder(path.dirname(target), plan.names.name);
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
        try {
          fs.renameSync(temp, target);
        } catch (cause) {
          // Another `new` of the same name renamed its folder into place first.
          const code = (cause as NodeJS.ErrnoException).code;
          if (code === 'ENOTEMPTY' || code === 'EEXIST') throw refuse();
          throw cause;
        }
        const written = [...files.keys(), ...diff.missing].map((file) => ({
          file,
          lines: lineCount(fs.readFileSync(path.join(target, file), 'utf8')),
          generated: diff.missing.includes(file),
        }));
        return written.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      } finally {
        fs.rmSync(temp, { recursive: true, force: true });
      }
    },
  );
}

/**
 * An empty hidden folder in `appsDir` (made if missing) to build the app in,
 * with the permissions of a folder made by hand (the umask's, not mkdtemp's
 * 0700, which the renamed app would keep); a folder that cannot be made is an
 * error saying which and why.
 */
function hiddenFolder(appsDir: string, name: string): string {
  const stat = fs.statSync(appsDir, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) throw new Error(`cannot create apps/${name}: ${appsDir} is not a folder; nothing was written`);
  const temp = path.join(appsDir, `.${name}-new-${randomBytes(6).toString('hex')}`);
  try {
    if (stat === undefined && fs.lstatSync(appsDir, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new Error(`${appsDir} is a symbolic link to ${fs.readlinkSync(appsDir)}, which does not exist`);
    }
    fs.mkdirSync(appsDir, { recursive: true });
    fs.mkdirSync(temp);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `${appsDir} is not writable (${code})` : (cause as Error).message;
    throw new Error(`cannot create apps/${name}: ${why}; nothing was written`, { cause });
  }
  return temp;
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
