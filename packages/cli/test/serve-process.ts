import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');

/** A `switchboard start` process and what it printed. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The exit code, once it exits. */
  readonly exited: Promise<number | null>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Everything printed so far, stdout and stderr. */
  out(): string;
}

/**
 * Runs `switchboard start ./apps/orders ./apps/greeter` on 127.0.0.1:0, as a
 * user runs it, with `env` added; resolves once it listens.
 */
export async function serveOrdersAndGreeter(env: Record<string, string> = {}): Promise<ServeProcess> {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (\`npm test\` builds it)`);
  const child = spawn(process.execPath, [BIN, 'start', path.join(ROOT, 'apps/orders'), path.join(ROOT, 'apps/greeter')], {
    cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'sb-serve-')),
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
  });
  let out = '';
  let running = true;
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running = false;
      resolve(code);
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve(Number((JSON.parse(line) as { address: string }).address.split(':')[1]));
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return { child, port, exited, alive: () => running, out: () => out };
}
