import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess } from '@switchboard/test-support';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

/**
 * A copy of apps/greeter (its sources and proto) in a temporary folder that
 * sees the repository's node_modules, so `tsc` checks it as the app's build does.
 */
function copyGreeter(): string {
  for (const built of ['packages/cli/dist/bin.js', 'packages/core/dist/index.d.ts']) {
    if (!fs.existsSync(path.join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first (\`npm test\` builds it)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-gen-tsc-'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const app = path.join(dir, 'greeter');
  for (const item of ['src', 'proto']) fs.cpSync(path.join(ROOT, 'apps/greeter', item), path.join(app, item), { recursive: true });
  const tsconfig = { extends: path.join(ROOT, 'tsconfig.base.json'), compilerOptions: { noEmit: true }, include: ['src'] };
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  return dir;
}

const run = (args: string[]) => runProcess(process.execPath, args, { timeoutMs: 90_000 });

describe('an rpc added to the proto', () => {
  let dir: string;
  beforeEach(() => (dir = copyGreeter()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails the app build, naming the handler the @Service class lacks, until the class has it', async () => {
    const app = path.join(dir, 'greeter');
    const build = () => run([TSC, '-p', path.join(app, 'tsconfig.json')]);
    expect(await build()).toMatchObject({ code: 0, stdout: '' });

    const proto = path.join(app, 'proto/helloworld.proto');
    const source = fs.readFileSync(proto, 'utf8');
    fs.writeFileSync(proto, source.replace(/^(\s*rpc SayHello .*)$/m, '$1\n  rpc SayGoodbye (HelloRequest) returns (HelloReply) {}'));
    expect(await run([BIN, 'gen', app])).toMatchObject({ code: 0, stderr: '' });
    const failed = await build();
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain('greeter-service.ts');
    expect(failed.stdout).toContain("Property 'SayGoodbye' is missing in type 'GreeterService'");

    const service = path.join(app, 'src/greeter-service.ts');
    const withHandler = fs
      .readFileSync(service, 'utf8')
      .replace(/^}\s*$/m, '  async SayGoodbye(request: HelloRequest__Output): Promise<HelloReply> {\n    return { message: `Bye ${request.name}` };\n  }\n}\n');
    fs.writeFileSync(service, withHandler);
    expect(await build()).toMatchObject({ code: 0, stdout: '' });
  }, 120_000);

  it("fails the app build when a handler's response is not the rpc's response type", async () => {
    const app = path.join(dir, 'greeter');
    const service = path.join(app, 'src/greeter-service.ts');
    const source = fs.readFileSync(service, 'utf8');
    const wrong = source.replace('Promise<HelloReply>', 'Promise<{ greeting: string }>').replace('{ message: `Hello', '{ greeting: `Hello');
    expect(wrong).not.toBe(source);
    fs.writeFileSync(service, wrong);
    const failed = await run([TSC, '-p', path.join(app, 'tsconfig.json')]);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain("Type '{ greeting: string; }' has no properties in common with type 'HelloReply'");
  }, 120_000);
});
