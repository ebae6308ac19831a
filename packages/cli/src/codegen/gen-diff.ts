import * as fs from 'node:fs';
import * as path from 'node:path';
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
  const onDisk = readTree(path.join(appDir, GEN_DIR));
  const prefix = (f: string): string => `${GEN_DIR.split(path.sep).join('/')}/${f}`;
  const missing = [...generated.keys()].filter((f) => !onDisk.has(f)).map(prefix);
  const stale = [...generated].filter(([f, content]) => onDisk.has(f) && !content.equals(onDisk.get(f)!)).map(([f]) => prefix(f));
  const extra = [...onDisk.keys()].filter((f) => !generated.has(f)).map(prefix);
  return { appDir, missing, stale, extra, generated };
}

/** Whether the app's src/gen is exactly what gen writes. */
export function isCurrent(diff: GenDiff): boolean {
  return diff.missing.length + diff.stale.length + diff.extra.length === 0;
}

/** Makes the app's src/gen what gen generates: writes the missing and stale files, removes the extra ones and emptied folders. */
export function applyGenDiff(diff: GenDiff): void {
  const genDir = path.join(diff.appDir, GEN_DIR);
  for (const file of [...diff.missing, ...diff.stale]) {
    const target = path.join(diff.appDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, diff.generated.get(path.relative(genDir, target).split(path.sep).join('/'))!);
  }
  for (const file of diff.extra) fs.rmSync(path.join(diff.appDir, file));
  removeEmptyDirs(genDir);
}

function removeEmptyDirs(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyDirs(path.join(dir, entry.name));
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}
