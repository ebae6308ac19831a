import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess, type Finished } from '@switchboard/test-support';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');
const GREETER = path.join(ROOT, 'apps/greeter');

describe('switchboard start, attacked', () => {
  let dir: string;
  const at = (name: string): string => path.join(dir, name);
  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'packages/cli/dist/bin.js')) || !fs.existsSync(path.join(GREETER, 'dist/index.js'))) {
      throw new Error('packages/cli/dist or apps/greeter/dist is missing: run `npx turbo run build --output-logs=errors-only` first (`npm test` builds them)');
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-start-'));
    const files: Record<string, string> = {
      'ok.json': '{ "server": { "port": 0 } }\n',
      'trailing-comma.json': '{ "server": { "port": 0 }, }\n',
      'comments.json': '{\n  // the port\n  "server": { "port": 0 }\n}\n',
      'throws/package.json': '{ "main": "entry.js" }\n',
      'throws/entry.js': '\nthrow new Error("boom at require");\n',
      'promise/index.js': 'exports.default = Promise.resolve({ name: "later", services: [] });\n',
      'commonjs/index.js': 'module.exports = { name: "cjs", services: [] };\n',
      'broken/index.js': 'const = 1;\n',
    };
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(at(file)), { recursive: true });
      fs.writeFileSync(at(file), text);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const start = (...args: string[]): Promise<Finished> =>
    runProcess(process.execPath, [BIN, 'start', ...args], { timeoutMs: 30_000, name: 'switchboard start' });

  it('refuses each hostile command line, config file and app of the table before anything listens, with its exit code and a message naming it', async () => {
    // Before the fixes, the rows marked "was" did otherwise.
    const rows: [string, string[], number, string][] = [
      // was: exit 1, without the usage
      [
        '--config twice',
        [GREETER, '--config', at('ok.json'), '--config', at('ok.json')],
        2,
        `--config is given 2 times (${at('ok.json')}, ${at('ok.json')}): give one file`,
      ],
      ['--config without a file', [GREETER, '--config'], 2, '--config needs a file name'],
      ['--config followed by an option', [GREETER, '--config', '--verbose'], 2, "--config needs a file name (got '--verbose')"],
      ['--config=', [GREETER, '--config='], 2, '--config needs a file name'],
      // was: "cannot read config file …: EISDIR: illegal operation on a directory, read"
      ['--config naming a folder', [GREETER, '--config', dir], 1, `--config ${dir} is a folder: give the config file`],
      ['--config naming no file', [GREETER, '--config', at('none.json')], 1, `cannot read config file ${at('none.json')}: ENOENT`],
      ['a trailing comma', [GREETER, '--config', at('trailing-comma.json')], 1, `config file ${at('trailing-comma.json')} is not valid JSON`],
      // JSON only: the jsonc blocks of the docs annotate keys; a file with comments is refused, naming it
      ['comments (JSONC)', [GREETER, '--config', at('comments.json')], 1, `config file ${at('comments.json')} is not valid JSON`],
      // was: "boom at require", with no place
      [
        'an app that throws when required',
        [at('throws')],
        1,
        `cannot load app '${at('throws')}' (from the command line): boom at require (at ${at('throws/entry.js')}:2)`,
      ],
      // was: "Unexpected token '='", with no place
      ['an app that does not parse', [at('broken')], 1, `Unexpected token '=' (at ${at('broken/index.js')}:1)`],
      // was: "has no default export made with defineModule (exports: default)", though there is one
      ['an app whose default export is a Promise', [at('promise')], 1, 'its default export is a Promise: export the module itself, not a promise of it'],
      ['an app with module.exports and no default', [at('commonjs')], 1, 'it has no default export (exports: name, services)'],
      // was: followed by the CLI's own "Require stack:" (load-app.js, deploy.js, bin.js …)
      ['an app that does not exist', [at('nothing')], 1, `cannot load app '${at('nothing')}' (from the command line): Cannot find module '${at('nothing')}'\n`],
      ['an unknown option', [GREETER, '--confg', at('ok.json')], 2, "unknown option '--confg'"],
    ];
    const results = await Promise.all(rows.map(([, args]) => start(...args)));
    results.forEach((result, i) => {
      const [what, , code, message] = rows[i]!;
      expect({ what, code: result.code, stdout: result.stdout }).toEqual({ what, code, stdout: '' });
      expect({ what, stderr: result.stderr }).toEqual({ what, stderr: expect.stringContaining(message) });
      expect({ what, requireStack: result.stderr.includes('Require stack') }).toEqual({ what, requireStack: false });
    });
  }, 120_000);
});
