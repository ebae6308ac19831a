import * as path from 'node:path';

interface Prettier {
  resolveConfig(file: string): Promise<Record<string, unknown> | null>;
  format(source: string, options: Record<string, unknown>): Promise<string>;
}

/**
 * The files as the repository's own Prettier (and its config) prints them,
 * so that its format check passes on a new app whatever its names' lengths;
 * unchanged when the repository has no Prettier. Protos are left as written.
 */
export async function formatLikeRepo(root: string, appDir: string, files: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  let prettier: Prettier;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the repository's formatter, not one of ours
    prettier = require(require.resolve('prettier', { paths: [root] })) as Prettier;
  } catch {
    return new Map(files);
  }
  const formatted = new Map<string, string>();
  for (const [file, source] of files) {
    const filepath = path.join(appDir, file);
    formatted.set(file, file.endsWith('.proto') ? source : await prettier.format(source, { ...(await prettier.resolveConfig(filepath)), filepath }));
  }
  return formatted;
}
