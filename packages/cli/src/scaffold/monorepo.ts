import * as fs from 'node:fs';
import * as path from 'node:path';

/** The monorepo `switchboard new` adds an app to. */
export interface Monorepo {
  /** The folder of the root package.json. */
  readonly root: string;
  /** Every package of `packages/*` by name, with its version and the exact versions of what it depends on. */
  readonly versions: ReadonlyMap<string, string>;
}

interface PackageJson {
  name?: string;
  version?: string;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * The nearest folder from `from` upwards whose package.json lists `apps/*`
 * among its workspaces, with the versions its packages use: an app made in
 * it depends on exactly what the repository's own packages do.
 */
export function findMonorepo(from: string): Monorepo {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = readJson(path.join(dir, 'package.json'));
    const workspaces = Array.isArray(manifest?.workspaces) ? manifest.workspaces : (manifest?.workspaces?.packages ?? []);
    if (workspaces.includes('apps/*')) return { root: dir, versions: packageVersions(dir) };
    if (path.dirname(dir) === dir) {
      throw new Error(`no Switchboard monorepo found from ${path.resolve(from)} (looked upwards for a package.json whose workspaces include "apps/*")`);
    }
  }
}

/** A package's name and version first, then its dependencies' versions, as `packages/*` pin them. */
function packageVersions(root: string): Map<string, string> {
  const versions = new Map<string, string>();
  const dir = path.join(root, 'packages');
  const manifests = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .sort()
        .map((d) => readJson(path.join(dir, d, 'package.json')))
    : [];
  for (const m of manifests) if (m?.name !== undefined && m.version !== undefined) versions.set(m.name, m.version);
  for (const m of manifests) {
    for (const [dep, version] of Object.entries({ ...m?.devDependencies, ...m?.dependencies })) if (!versions.has(dep)) versions.set(dep, version);
  }
  return versions;
}

/**
 * The folder (`apps/legacy`, `packages/core`) whose package.json already
 * names the package `name`, or undefined: npm refuses two workspaces of one name.
 */
export function workspaceOf(root: string, name: string): string | undefined {
  for (const group of ['apps', 'packages']) {
    const dir = path.join(root, group);
    if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      if (readJson(path.join(dir, entry.name, 'package.json'))?.name === name) return `${group}/${entry.name}`;
    }
  }
  return undefined;
}

function readJson(file: string): PackageJson | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PackageJson;
  } catch (cause) {
    throw new Error(`${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
