import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerResolver, type EndpointSpec } from './register-resolver';

/**
 * `file:///path/to/endpoints.json`: a JSON array of endpoints (or
 * `{ "endpoints": [...] }`), each `"host:port"` or `{ "address", "weight",
 * "metadata" }`. The file is watched: edits reach connected clients without
 * a restart; a file that is missing or broken mid-way keeps the last endpoints.
 */
export function registerFileResolver(): void {
  registerResolver('file', (target) => {
    const file = path.resolve('/', target.path);
    const read = (): EndpointSpec[] => {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      const list = Array.isArray(parsed) ? parsed : (parsed as { endpoints?: unknown }).endpoints;
      if (!Array.isArray(list)) throw new Error(`${file} must hold an array of endpoints or { "endpoints": [...] }`);
      return list as EndpointSpec[];
    };
    return {
      resolve: read,
      watch(update, fail) {
        // Watch the folder: editors replace files, which ends a watch on the file itself.
        let timer: NodeJS.Timeout | undefined;
        const watcher = fs.watch(path.dirname(file), (_event, name) => {
          if (name !== null && name !== path.basename(file)) return;
          clearTimeout(timer);
          timer = setTimeout(() => {
            try {
              update(read());
            } catch (error) {
              fail(error as Error);
            }
          }, 20);
        });
        return () => {
          clearTimeout(timer);
          watcher.close();
        };
      },
    };
  });
}
