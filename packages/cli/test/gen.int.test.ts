import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Finished, runProcess } from '@switchboard/test-support';
import { readTree } from '../src/codegen/generate-app';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');
const DIST = path.join(ROOT, 'packages/cli/dist/bin.js');
const APPS = ['greeter', 'orders', 'interop'];

function gen(...args: string[]): Promise<Finished> {
  if (!fs.existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` first (\`npm test\` builds it)`);
  return runProcess(process.execPath, [BIN, 'gen', ...args], { timeoutMs: 60_000 });
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of an app's protos and generated code in a temporary folder. */
function copyApp(app: string, what: string[] = ['proto', 'src/gen']): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sb-gen-${app}-`));
  temps.push(dir);
  for (const item of what) fs.cpSync(path.join(ROOT, 'apps', app, item), path.join(dir, item), { recursive: true });
  return dir;
}

describe('switchboard gen', () => {
  it.each(APPS)('writes exactly the checked-in src/gen of %s from its protos alone', async (app) => {
    const dir = copyApp(app, ['proto']);
    const result = await gen(dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const written = readTree(path.join(dir, 'src/gen'));
    const checkedIn = readTree(path.join(ROOT, 'apps', app, 'src/gen'));
    expect([...written.keys()]).toEqual([...checkedIn.keys()]);
    for (const [file, content] of written) expect({ file, content: content.toString() }).toEqual({ file, content: checkedIn.get(file)?.toString() });
  });

  it('--check passes on the checked-in apps', async () => {
    const result = await gen('--check', ...APPS.map((app) => path.join(ROOT, 'apps', app)));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('apps/greeter: src/gen is up to date');
  });

  it('--check fails after a proto edit, naming every stale, missing and extra file, and writes nothing', async () => {
    const dir = copyApp('greeter');
    const proto = path.join(dir, 'proto/helloworld.proto');
    fs.writeFileSync(proto, fs.readFileSync(proto, 'utf8').replace('string name = 1;', 'string name = 1;\n  string title = 2;'));
    fs.rmSync(path.join(dir, 'src/gen/services.ts'));
    fs.writeFileSync(path.join(dir, 'src/gen/left-over.ts'), 'export {};\n');
    const before = readTree(path.join(dir, 'src/gen'));
    const result = await gen('--check', dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('generated code is out of date with its protos');
    expect(result.stderr).toContain('src/gen/helloworld/HelloRequest.ts is stale');
    expect(result.stderr).toContain('src/gen/services.ts is missing');
    expect(result.stderr).toContain('src/gen/left-over.ts is no longer generated');
    expect(result.stderr).not.toContain('Greeter.ts');
    expect(readTree(path.join(dir, 'src/gen'))).toEqual(before);
  });

  it('brings a stale src/gen up to date, removing what is no longer generated', async () => {
    const dir = copyApp('greeter');
    fs.writeFileSync(path.join(dir, 'src/gen/left-over.ts'), 'export {};\n');
    fs.writeFileSync(path.join(dir, 'src/gen/services.ts'), '// edited by hand\n');
    const result = await gen(dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/wrote src\/gen\/services\.ts; removed src\/gen\/left-over\.ts/);
    expect(readTree(path.join(dir, 'src/gen'))).toEqual(readTree(path.join(ROOT, 'apps/greeter/src/gen')));
  });

  it('names the file and line of a syntax error, exits 1 and writes nothing', async () => {
    const dir = copyApp('greeter');
    const proto = path.join(dir, 'proto/helloworld.proto');
    const lines = fs.readFileSync(proto, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('string name = 1;'));
    lines[at] = lines[at]!.replace(';', '');
    fs.writeFileSync(proto, lines.join('\n'));
    const before = readTree(path.join(dir, 'src/gen'));
    const result = await gen(dir);
    expect(result.code).toBe(1);
    // The line after the field: where protobufjs meets the token the missing ';' should have preceded.
    expect(result.stderr).toContain(`${path.join(dir, 'proto/helloworld.proto')}:${at + 2}: illegal token '}', ';' expected`);
    expect(readTree(path.join(dir, 'src/gen'))).toEqual(before);
  });

  it('names the file and line of an unknown type, an unknown rpc type and a missing import', async () => {
    const dir = copyApp('greeter');
    const proto = path.join(dir, 'proto/helloworld.proto');
    const source = fs.readFileSync(proto, 'utf8');
    const line = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    fs.writeFileSync(proto, source.replace('string name = 1;', 'Nowhere name = 1;'));
    let result = await gen(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `proto/helloworld.proto:${line(source, 'string name = 1;')}: no such Type or Enum 'Nowhere' in Type .helloworld.HelloRequest\n`,
    );

    fs.writeFileSync(proto, source.replace('returns (HelloReply)', 'returns (Nothing)'));
    result = await gen(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`proto/helloworld.proto:${line(source, 'rpc SayHello')}: no such type: Nothing (in helloworld.Greeter.SayHello)`);

    const withImport = source.replace('package helloworld;', 'package helloworld;\n\nimport "missing/thing.proto";');
    fs.writeFileSync(proto, withImport);
    result = await gen(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`proto/helloworld.proto:${line(withImport, 'missing/thing.proto')}: import "missing/thing.proto" not found`);
  });

  it('names the file and line of a name declared twice', async () => {
    const dir = copyApp('greeter');
    const proto = path.join(dir, 'proto/helloworld.proto');
    const source = fs.readFileSync(proto, 'utf8');
    const twice = `${source}\nmessage HelloReply {\n  string other = 1;\n}\n`;
    fs.writeFileSync(proto, twice);
    const result = await gen(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`proto/helloworld.proto:${twice.split('\n').lastIndexOf('message HelloReply {') + 1}: duplicate name 'HelloReply'`);
  });

  it('refuses a folder without protos, naming where it looked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-gen-empty-'));
    temps.push(dir);
    const result = await gen(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no .proto files under ${path.join(dir, 'proto')}`);
  });
});
