import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Runs `load` with a fresh temporary folder holding `files` (name → value,
 * written as JSON), and removes the folder afterwards: how the bench hands
 * config to the config loader, which reads files.
 */
export function withConfigFiles<T>(files: Readonly<Record<string, unknown>>, load: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-config-'));
  try {
    for (const [name, value] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
    return load(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
