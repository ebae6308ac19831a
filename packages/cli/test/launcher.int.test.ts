import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const PACKAGE = path.resolve(__dirname, '..');

/** Runs `file` (the launcher) with `args`, as a shell would: by its #! line, not through `node file`. */
function exec(file: string, args: string[]) {
  const child = spawn(file, args, { env: { PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}` } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the switchboard launcher', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
  const launcher = path.join(PACKAGE, manifest.bin['switchboard'] ?? 'missing');

  it('is an executable file outside dist, named by package.json and shipped with it', () => {
    expect(manifest.bin).toEqual({ switchboard: 'bin/switchboard.js' });
    expect(manifest.files).toContain('bin');
    expect(fs.readFileSync(launcher, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(launcher).mode & 0o111).toBe(0o111);
  });

  it('runs the built CLI with its arguments and exit code', async () => {
    if (!fs.existsSync(path.join(PACKAGE, 'dist/bin.js'))) throw new Error('dist/bin.js is missing: run `npm run build` first (`npm test` builds it)');
    const help = await exec(launcher, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toContain('start <app>... [--config FILE]');
    const unknown = await exec(launcher, ['strat']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'strat'");
  });

  it('says to run `npm run build`, and exits 1, in a copy of the package that was never built', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cli-unbuilt-'));
    fs.copyFileSync(path.join(PACKAGE, 'package.json'), path.join(copy, 'package.json'));
    fs.cpSync(path.join(PACKAGE, 'bin'), path.join(copy, 'bin'), { recursive: true });
    expect(fs.existsSync(path.join(copy, 'dist'))).toBe(false);
    const { code, stdout, stderr } = await exec(path.join(copy, manifest.bin['switchboard']!), ['--help']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `switchboard: the CLI is not built (${path.join(copy, 'dist', 'bin.js')} is missing).\n` +
        'Run `npm run build` at the root of the repository (it builds the packages the CLI needs), then run the command again.\n',
    );
  });
});
