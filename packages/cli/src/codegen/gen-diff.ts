import * as fs from 'node:fs';
import * as path from 'node:path';
import { shown } from './compile-protos';
import { readTree } from './generate-app';

/** Where an app's generated code lives. */
export const GEN_DIR = path.join('src', 'gen');

/** How an app's `src/gen` differs from what gen would write, by path relative to the app. */
export interface GenDiff {
  readonly appDir: string;
  /** Generated, absent from src/gen. */
  readonly missing: readonly string[];
  /** Present in src/gen with other bytes. */
  readonly stale: readonly string[];
  /** In src/gen, no longer generated. */
  readonly extra: readonly string[];
  readonly generated: ReadonlyMap<string, Buffer>;
}

/** Compares what is generated with what is on disk under the app's `src/gen`. */
export function genDiff(appDir: string, generated: ReadonlyMap<string, Buffer>): GenDiff {
  checkGenDir(appDir);
  const onDisk = readTree(path.join(appDir, GEN_DIR));
  const prefix = (f: string): string => `${GEN_DIR.split(path.sep).join('/')}/${f}`;
  const missing = [...generated.keys()].filter((f) => !onDisk.has(f)).map(prefix);
  const stale = [...generated].filter(([f, content]) => onDisk.has(f) && !content.equals(onDisk.get(f)!)).map(([f]) => prefix(f));
  const extra = [...onDisk.keys()].filter((f) => !generated.has(f)).map(prefix);
  return { appDir, missing, stale, extra, generated };
}

/**
 * Refuses a `src` or `src/gen` that is a symbolic link or not a folder: gen removes every file of
 * src/gen it does not generate, so a link would have it delete and write in another folder.
 */
function checkGenDir(appDir: string): void {
  for (const dir of [path.join(appDir, 'src'), path.join(appDir, GEN_DIR)]) {
    const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (stat === undefined) return;
    if (stat.isSymbolicLink()) {
      throw new Error(
        `${shown(dir)} is a symbolic link (to ${fs.readlinkSync(dir)}): gen removes the files of src/gen it does not generate, so it writes only into a real folder; nothing was written`,
      );
    }
    if (!stat.isDirectory()) throw new Error(`${shown(dir)} is not a folder: gen writes the generated code into src/gen; nothing was written`);
  }
}

/** Whether the app's src/gen is exactly what gen writes. */
export function isCurrent(diff: GenDiff): boolean {
  return diff.missing.length + diff.stale.length + diff.extra.length === 0;
}

/**
 * Makes the app's src/gen what gen generates: writes the missing and stale
 * files, removes the extra ones and emptied folders. A file or folder
 * already gone is no error, so that two gens on one app at once both succeed
 * (they write the same bytes).
 */
export function applyGenDiff(diff: GenDiff): void {
  const genDir = path.join(diff.appDir, GEN_DIR);
  for (const file of [...diff.missing, ...diff.stale]) {
    const target = path.join(diff.appDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // A symbolic link in src/gen is replaced, not written through.
    if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink() === true) fs.rmSync(target);
    fs.writeFileSync(target, diff.generated.get(path.relative(genDir, target).split(path.sep).join('/'))!);
  }
  for (const file of diff.extra) fs.rmSync(path.join(diff.appDir, file), { force: true });
  removeEmptyDirs(genDir);
}

function removeEmptyDirs(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) removeEmptyDirs(path.join(dir, entry.name));
  }
  try {
    fs.rmdirSync(dir);
  } catch (error) {
    // Not empty (it holds files, or another gen wrote into it meanwhile), or already removed.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
}
