import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGES = path.resolve(__dirname, '../..');
const SCRIPT = path.join(__dirname, 'node-test/kit.node-test.js');

describe('the kit under node:test', () => {
  it('runs with node --test from the built packages: a call answered, and close() rejecting on a stream left open', async () => {
    const missing = ['core', 'lb', 'client', 'server', 'testing'].filter((name) => !fs.existsSync(path.join(PACKAGES, name, 'dist/index.js')));
    if (missing.length > 0) {
      throw new Error(`packages/{${missing.join(',')}}/dist is missing: build first (npx turbo run build --filter=@switchboard/testing)`);
    }
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(process.execPath, ['--test', '--test-reporter=tap', SCRIPT], { timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output: `${stdout}${stderr}` }),
      );
    });
    expect(output).toMatch(/^# fail 0$/m);
    expect(output).toMatch(/^# pass 2$/m);
    expect(code).toBe(0);
  });
});
