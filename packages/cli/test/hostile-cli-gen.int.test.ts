import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess, type Finished } from '@switchboard/test-support';
import { readTree } from '../src/codegen/generate-app';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');

function gen(...args: string[]): Promise<Finished> {
  if (!fs.existsSync(path.join(ROOT, 'packages/cli/dist/bin.js'))) {
    throw new Error('packages/cli/dist/bin.js is missing: run `npx turbo run build --output-logs=errors-only` first (`npm test` builds it)');
  }
  return runProcess(process.execPath, [BIN, 'gen', ...args], { timeoutMs: 60_000, name: 'switchboard gen' });
}

const service = (name: string, rpcs = 'rpc A (M) returns (M);'): string => `syntax = "proto3";\npackage p;\nservice ${name} { ${rpcs} }\nmessage M {}\n`;

/** A hostile app: its files by path (Buffers for raw bytes), and, for an outcome, a part of stderr or 'generated'. */
interface Attack {
  readonly what: string;
  readonly files: Record<string, string | Buffer>;
  /** Outside the app folder, beside it (what a '../' import would reach). */
  readonly beside?: Record<string, string>;
  readonly outcome: { code: 1; stderr: string | RegExp } | { code: 0 };
}

// Before the fixes, the rows marked "was" did otherwise.
const ATTACKS: Attack[] = [
  {
    what: 'an import climbing out of proto/ to a file that does not exist',
    files: { 'proto/x.proto': `syntax = "proto3";\npackage p;\nimport "../../etc/passwd";\nmessage M {}\n` },
    outcome: { code: 1, stderr: 'proto/x.proto:3: import "../../etc/passwd" is outside proto/: an import is a path under proto/' },
  },
  {
    // was: /etc/passwd parsed as a proto, its first token printed ("illegal token 'root' (/etc/passwd, line 1)")
    what: 'an absolute import',
    files: { 'proto/x.proto': `syntax = "proto3";\npackage p;\n\nimport "/etc/passwd";\nmessage M {}\n` },
    outcome: { code: 1, stderr: 'proto/x.proto:4: import "/etc/passwd" is outside proto/' },
  },
  {
    // was: generated, with src/gen/y/N.ts from a file outside the app (and --client copied it out of the new app's proto/)
    what: 'an import of an existing file outside proto/',
    files: { 'proto/x.proto': `syntax = "proto3";\npackage p;\nimport "../other/y.proto";\nmessage M { y.N n = 1; }\n` },
    beside: { 'other/y.proto': 'syntax = "proto3";\npackage y;\nmessage N {}\n' },
    outcome: { code: 1, stderr: 'import "../other/y.proto" is outside proto/' },
  },
  {
    what: 'an import cycle (protobufjs and grpc-js load it; protoc would refuse it)',
    files: {
      'proto/a.proto': 'syntax = "proto3";\npackage p;\nimport "b.proto";\nmessage A { B b = 1; }\nservice S { rpc Go (A) returns (B); }\n',
      'proto/b.proto': 'syntax = "proto3";\npackage p;\nimport "a.proto";\nmessage B { A a = 1; }\n',
    },
    outcome: { code: 0 },
  },
  // was (each): generated `export const delete = …`, a services.ts that does not compile (TS1389, TS1214, TS2448)
  ...['delete', 'class', 'enum', 'default', 'await', 'let', 'interface', '__dirname', 'require'].map((name): Attack => ({
    what: `a service named ${name}`,
    files: { 'proto/p.proto': service(name) },
    outcome: {
      code: 1,
      stderr: `service p.${name} (proto/p.proto) cannot be exported as ${name}, a reserved word in JavaScript or a name CommonJS modules use`,
    },
  })),
  { what: 'a service named Promise (a global, which the generated file does not use)', files: { 'proto/p.proto': service('Promise') }, outcome: { code: 0 } },
  {
    what: 'a service named as a name of the generated file',
    files: { 'proto/p.proto': service('serviceDescriptor') },
    outcome: { code: 1, stderr: 'cannot be exported as serviceDescriptor' },
  },
  {
    // was: generated, with Get and get overloads merged in one client type
    what: 'rpcs whose names differ only by case',
    files: { 'proto/p.proto': service('S', 'rpc Get (M) returns (M);\n  rpc get (M) returns (M);') },
    outcome: { code: 1, stderr: 'proto/p.proto:4: rpc get and rpc Get of p.S differ only by case' },
  },
  {
    // was: "proto: duplicate name 'S' in Namespace .p", naming neither file
    what: 'two files declaring one package and service',
    files: { 'proto/a.proto': service('S'), 'proto/b.proto': 'syntax = "proto3";\npackage p;\n\nservice S { rpc B (N) returns (N); }\nmessage N {}\n' },
    outcome: { code: 1, stderr: /duplicate name 'S' in Namespace \.p: declared in \S*\/proto\/a\.proto:3 and \S*\/proto\/b\.proto:4; rename one/ },
  },
  {
    what: 'a UTF-8 byte order mark',
    files: { 'proto/p.proto': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(service('S'))]) },
    outcome: { code: 0 },
  },
  {
    // was: generated: the Latin-1 byte of a comment read as U+FFFD
    what: 'Latin-1 bytes in a comment',
    files: { 'proto/p.proto': Buffer.from('syntax = "proto3";\npackage p;\n// caf\xe9\nmessage M {}\n', 'latin1') },
    outcome: { code: 1, stderr: 'proto/p.proto:3: not UTF-8 text (protoc reads .proto files as UTF-8)' },
  },
  {
    // was: "illegal token '\ufffd\ufffds y n t a x '"
    what: 'a UTF-16 file',
    files: { 'proto/p.proto': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(service('S'), 'utf16le')]) },
    outcome: { code: 1, stderr: 'proto/p.proto:1: not UTF-8 text' },
  },
  { what: 'an empty proto folder', files: { 'proto/.keep': '' }, outcome: { code: 1, stderr: 'no .proto files under' } },
];

describe('switchboard gen, attacked', () => {
  let base: string;
  beforeAll(() => (base = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-gen-'))));
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  /** Writes an attack's files under base/<index>/app (and beside it), and returns the app folder. */
  const appOf = (attack: Attack, index: number): string => {
    const dir = path.join(base, String(index));
    for (const [file, content] of Object.entries({ ...attack.beside, ...Object.fromEntries(Object.entries(attack.files).map(([f, c]) => [`app/${f}`, c])) })) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    return path.join(dir, 'app');
  };

  it('refuses each hostile proto of the table naming its file and line, exit 1, writing nothing; accepts the harmless ones', async () => {
    const apps = ATTACKS.map(appOf);
    const results = await Promise.all(apps.map((app) => gen(app)));
    results.forEach((result, i) => {
      const { what, outcome } = ATTACKS[i]!;
      if (outcome.code === 0) {
        expect({ what, code: result.code, stderr: result.stderr }).toEqual({ what, code: 0, stderr: '' });
        expect({ what, services: fs.existsSync(path.join(apps[i]!, 'src/gen/services.ts')) }).toEqual({ what, services: true });
      } else {
        expect({ what, code: result.code, stdout: result.stdout }).toEqual({ what, code: 1, stdout: '' });
        const stderr = typeof outcome.stderr === 'string' ? expect.stringContaining(outcome.stderr) : expect.stringMatching(outcome.stderr);
        expect({ what, stderr: result.stderr }).toEqual({ what, stderr });
        expect({ what, written: fs.existsSync(path.join(apps[i]!, 'src')) }).toEqual({ what, written: false });
      }
    });
  }, 120_000);

  it('follows a symbolic link to a proto, as loadProto does at run time', async () => {
    const dir = path.join(base, 'linked');
    fs.mkdirSync(path.join(dir, 'shared'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'app/proto'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'shared/p.proto'), service('Linked'));
    fs.symlinkSync('../../shared/p.proto', path.join(dir, 'app/proto/p.proto'));
    const result = await gen(path.join(dir, 'app'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readFileSync(path.join(dir, 'app/src/gen/services.ts'), 'utf8')).toContain(
      "export const Linked = serviceDescriptor<LinkedHandlers, LinkedDefinition>(pProto, 'p.Linked');",
    );
  });

  // was: gen followed src/gen -> another folder, deleted its files as "no longer generated", wrote there, then failed with ENOTDIR
  it('refuses a src/gen that is a symbolic link or a file, and replaces links inside src/gen without touching their targets', async () => {
    const dir = path.join(base, 'links');
    const victim = path.join(dir, 'victim');
    fs.mkdirSync(victim, { recursive: true });
    fs.writeFileSync(path.join(victim, 'precious.txt'), 'precious\n');
    const app = (name: string): string => {
      fs.cpSync(path.join(ROOT, 'apps/greeter/proto'), path.join(dir, name, 'proto'), { recursive: true });
      fs.mkdirSync(path.join(dir, name, 'src'), { recursive: true });
      return path.join(dir, name);
    };
    const linked = app('linked');
    fs.symlinkSync(victim, path.join(linked, 'src/gen'));
    const file = app('file');
    fs.writeFileSync(path.join(file, 'src/gen'), 'not a folder\n');
    const [toLink, toFile] = await Promise.all([gen(linked), gen(file)]);
    expect(toLink).toMatchObject({ code: 1, stdout: '' });
    expect(toLink.stderr).toContain(`${path.join(linked, 'src/gen')} is a symbolic link (to ${victim}): gen removes the files of src/gen it does not generate`);
    expect(toFile).toMatchObject({ code: 1, stdout: '' });
    expect(toFile.stderr).toContain(`${path.join(file, 'src/gen')} is not a folder`);
    expect(fs.readdirSync(victim)).toEqual(['precious.txt']);

    const inside = app('inside');
    fs.mkdirSync(path.join(inside, 'src/gen/sub'), { recursive: true });
    fs.symlinkSync(victim, path.join(inside, 'src/gen/sub/folder-link'));
    fs.symlinkSync(path.join(victim, 'precious.txt'), path.join(inside, 'src/gen/services.ts'));
    expect(await gen(inside)).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readdirSync(victim)).toEqual(['precious.txt']);
    expect(fs.readFileSync(path.join(victim, 'precious.txt'), 'utf8')).toBe('precious\n');
    expect(fs.lstatSync(path.join(inside, 'src/gen/services.ts')).isFile()).toBe(true);
    expect(fs.existsSync(path.join(inside, 'src/gen/sub'))).toBe(false);
  });

  // was: one of the runs failed now and then with "ENOENT: no such file or directory, stat '…/src/gen/a'" (1 run in 5 here)
  it('lets several gens run on one app at once: each exits 0, and src/gen is then up to date', async () => {
    const app = path.join(base, 'concurrent');
    fs.cpSync(path.join(ROOT, 'apps/orders/proto'), path.join(app, 'proto'), { recursive: true });
    const results: Finished[] = [];
    for (let round = 0; round < 2; round++) {
      // Extra files in nested folders: every gen removes them, and the folders, at the same time.
      for (const file of ['a/b/one.ts', 'a/b/two.ts', 'a/three.ts']) {
        fs.mkdirSync(path.dirname(path.join(app, 'src/gen', file)), { recursive: true });
        fs.writeFileSync(path.join(app, 'src/gen', file), 'export {};\n');
      }
      results.push(...(await Promise.all([gen(app), gen(app), gen(app)])));
    }
    expect(results.map((r) => ({ code: r.code, stderr: r.stderr }))).toEqual(Array(6).fill({ code: 0, stderr: '' }));
    expect(await gen('--check', app)).toMatchObject({ code: 0 });
    expect([...readTree(path.join(app, 'src/gen')).keys()].some((f) => f.startsWith('a/'))).toBe(false);
  }, 120_000);
});
