import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runProcess, type Finished } from '@switchboard/test-support';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');
const APPS = ['@switchboard/app-greeter'];

function deploy(...args: string[]): Promise<Finished> {
  if (!fs.existsSync(path.join(ROOT, 'packages/cli/dist/bin.js'))) {
    throw new Error('packages/cli/dist/bin.js is missing: run `npx turbo run build --output-logs=errors-only` first (`npm test` builds it)');
  }
  return runProcess(process.execPath, [BIN, 'deploy', 'k8s', ...args], { timeoutMs: 30_000, name: 'switchboard deploy k8s' });
}

/** The YAML documents of a manifest stream, as objects, read loosely: the assertions say what they look for. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function documents(text: string): { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> }[] {
  return parseAllDocuments(text).map((doc) => {
    if ('errors' in doc && doc.errors.length > 0) throw new Error(`not YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

describe('switchboard deploy k8s, attacked', () => {
  let dir: string;
  /** Writes a deployment file named `<name>.json` serving greeter, with `config` on top. */
  const file = (name: string, config: object, padding = ''): string => {
    const at = path.join(dir, `${name}.json`);
    fs.writeFileSync(at, JSON.stringify({ apps: APPS, ...config }) + padding);
    return at;
  };
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-deploy-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses each hostile config and flag of the table with its exit code and a message naming it, writing nothing', async () => {
    const ok = file('ok', { server: { port: 50051 } });
    // Before the fixes, the rows marked "was" did otherwise.
    const rows: [string, string[], number, string][] = [
      // was: accepted, two containerPorts 50051 (the server cannot start: both listen on 0.0.0.0 in the pod)
      [
        'metrics.port equal to server.port',
        ['--config', file('same-port', { server: { port: 50051 }, metrics: { enabled: true, port: 50051 } })],
        1,
        'metrics.port and server.port are both 50051',
      ],
      ['server.port 0', ['--config', file('port0', { server: { port: 0 } })], 1, 'server.port is 0'],
      ['server.port 65536', ['--config', file('port65536', { server: { port: 65536 } })], 1, 'server.port: must be a port: an integer from 0 to 65535'],
      // was: a ConfigMap the API server refuses (more than 1 MiB)
      ['a config file above 1 MiB', ['--config', file('huge', { server: { port: 50051 } }, `\n${' '.repeat(1_100_000)}\n`)], 1, ''],
      // was: replicas: 2147483648, which the API refuses (int32)
      ['--replicas above int32', ['--config', ok, '--replicas', '2147483648'], 2, "--replicas '2147483648' must be a whole number from 1 to 2147483647"],
      // was: terminationGracePeriodSeconds: 9007199254741004, an inexact number
      [
        '--drain-seconds of 2^53-1',
        ['--config', ok, '--drain-seconds', '9007199254740991'],
        2,
        "--drain-seconds '9007199254740991' must be a whole number from 0 to 2147483647",
      ],
      // was: memory: 100000000000000000000Gi, another amount than the one given
      ['--memory beyond exact numbers', ['--config', ok, '--memory', '99999999999999999999Gi'], 2, "--memory '99999999999999999999Gi' is too large"],
      ['--cpu beyond exact numbers', ['--config', ok, '--cpu', '99999999999999999999'], 2, "--cpu '99999999999999999999' is too large"],
      // was: accepted, an image no runtime can pull
      ['--image with upper case', ['--config', ok, '--image', 'MyImage:Latest'], 2, "the path component 'MyImage' is not lower-case letters and digits"],
      ['--image with a quote', ['--config', ok, '--image', 'a"b'], 2, "the path component 'a\"b' is not lower-case"],
      ['--image with a space', ['--config', ok, '--image', 'my image'], 2, "--image 'my image' is not an image reference"],
      ['--image with a bad tag', ['--config', ok, '--image', 'shop:-x'], 2, "the tag '-x' is not letters, digits"],
      ['--image with a bad digest', ['--config', ok, '--image', 'shop@sha256:zz'], 2, "'sha256:zz' is not a digest"],
      ['--image with YAML', ['--config', ok, '--image', 'img\n---\nkind: Secret'], 2, 'is not an image reference'],
      ['--name of 64 characters', ['--config', ok, '--name', 'a'.repeat(64)], 2, 'is not a DNS-1035 label of 54 characters at most'],
      ['--name with ": "', ['--config', ok, '--name', 'a: b'], 2, "--name 'a: b' is not a DNS-1035 label"],
      ['--config twice', ['--config', ok, '--config', ok], 2, '--config is given 2 times'],
    ];
    // The 1 MiB row's message names the file's size.
    rows[3]![3] = `${path.join(dir, 'huge.json')} is `;
    const results = await Promise.all(rows.map(([, args]) => deploy(...args)));
    results.forEach((result, i) => {
      const [what, , code, message] = rows[i]!;
      expect({ what, code: result.code, stdout: result.stdout }).toEqual({ what, code, stdout: '' });
      expect({ what, stderr: result.stderr }).toEqual({ what, stderr: expect.stringContaining(message) });
    });
    expect(results[3]!.stderr).toContain('a ConfigMap holds at most 1048576 (1 MiB)');
  }, 120_000);

  it('accepts the extremes the API accepts: port 65535, shutdownGraceMs 2147483647 (a grace of 2147494 s, an int64), an image by registry, port, tag and digest', async () => {
    const image = `registry.example.com:5000/shop/switch_board__x:1.2.0-rc.1@sha256:${'a'.repeat(64)}`;
    const result = await deploy('--config', file('edges', { server: { port: 65535, shutdownGraceMs: 2147483647 } }), '--image', image);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const deployment = documents(result.stdout).find((d) => d.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(5 + 2147484 + 5);
    expect(deployment.spec.template.spec.containers[0].image).toBe(image);
    expect(deployment.spec.template.spec.containers[0].ports[0].containerPort).toBe(65535);
  });

  it('keeps config strings in their YAML strings and comments: a certificate path with "\\n---\\n" and "\\r" adds no document', async () => {
    const certFile = '/c.pem\r---\rkind: Secret\r# x';
    const keyFile = '/k.pem\n---\nkind: Secret\nmetadata: {name: stolen}';
    const result = await deploy('--config', file('injected', { server: { port: 50051, tls: { certFile, keyFile } } }));
    expect(result.code).toBe(0);
    const docs = documents(result.stdout);
    expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual([
      'Deployment injected',
      'Service injected',
      'Service injected-headless',
      'ConfigMap injected-config',
      'PodDisruptionBudget injected',
    ]);
    expect(JSON.parse(docs[3]!.data!['injected.json']!).server.tls).toEqual({ certFile, keyFile });
    // was: the note on stderr held the raw \r, which makes a terminal overwrite the line
    expect(result.stderr).toContain('mount the certificate files (a Secret) at /c.pem\\r---\\rkind: Secret\\r# x and /k.pem\\n---\\nkind: Secret');
    expect(result.stderr.trimEnd()).not.toMatch(/[\r\n]/);
  });

  describe('--out', () => {
    const ok = (): string => file('ok', { server: { port: 50051 } });

    // was: raw "EEXIST: file already exists, mkdir '…'"
    it('refuses a file, naming it, exit 1', async () => {
      const out = path.join(dir, 'a-file');
      fs.writeFileSync(out, 'hello\n');
      const result = await deploy('--config', ok(), '--out', out);
      expect(result).toMatchObject({ code: 1 });
      expect(result.stderr).toContain(`--out ${out} is a file, not a folder`);
      expect(fs.readFileSync(out, 'utf8')).toBe('hello\n');
    });

    it('makes a folder that does not exist, parents included', async () => {
      const out = path.join(dir, 'new/a/b');
      expect(await deploy('--config', ok(), '--out', out)).toMatchObject({ code: 0 });
      expect(fs.readdirSync(out).sort()).toEqual(['configmap.yaml', 'deployment.yaml', 'poddisruptionbudget.yaml', 'service.yaml']);
    });

    // was: deployment.yaml replaced, then "EISDIR: … service.yaml": a new Deployment beside the old Service
    it('writes all or nothing: a target it cannot replace (a folder, a file it did not write) leaves every file as it was', async () => {
      const out = path.join(dir, 'mixed');
      expect(await deploy('--config', ok(), '--out', out)).toMatchObject({ code: 0 });
      const before = fs.readFileSync(path.join(out, 'deployment.yaml'), 'utf8');
      fs.writeFileSync(path.join(out, 'service.yaml'), 'kind: Service # written by hand\n');
      const result = await deploy('--config', ok(), '--out', out, '--replicas', '7');
      expect(result).toMatchObject({ code: 1 });
      expect(result.stderr).toContain(
        `${path.join(out, 'service.yaml')} exists and was not written by switchboard deploy k8s: remove it or choose another --out`,
      );
      expect(fs.readFileSync(path.join(out, 'deployment.yaml'), 'utf8')).toBe(before);
      expect(fs.readFileSync(path.join(out, 'service.yaml'), 'utf8')).toBe('kind: Service # written by hand\n');

      fs.rmSync(path.join(out, 'service.yaml'));
      fs.mkdirSync(path.join(out, 'service.yaml'));
      const again = await deploy('--config', ok(), '--out', out, '--replicas', '7');
      expect(again).toMatchObject({ code: 1 });
      expect(fs.readFileSync(path.join(out, 'deployment.yaml'), 'utf8')).toBe(before);
      expect(fs.readdirSync(out).sort()).toEqual(['configmap.yaml', 'deployment.yaml', 'poddisruptionbudget.yaml', 'service.yaml']);
    });

    // was: raw "EACCES: permission denied, open '…/deployment.yaml'"
    it('refuses a read-only folder with a message naming it (EACCES), exit 1, writing nothing', async () => {
      const out = path.join(dir, 'read-only');
      fs.mkdirSync(out, { mode: 0o555 });
      fs.chmodSync(dir, 0o755);
      const config = ok();
      // root ignores a folder's mode: run as nobody then, as an operator's own account would meet it.
      const asNobody = process.getuid?.() === 0;
      const result = await new Promise<Finished>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'deploy', 'k8s', '--config', config, '--out', out], {
          env: { PATH: process.env['PATH'] ?? '' },
          ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain(`cannot write the manifests into ${out}: ${out} is not writable (EACCES); nothing was written`);
      expect(fs.readdirSync(out)).toEqual([]);
    });

    // was: replaced silently, and said nothing of the other files `kubectl apply -f DIR` would apply
    it('replaces the manifests it wrote before, and notes the other files kubectl apply -f would apply', async () => {
      const out = path.join(dir, 'shared');
      expect(await deploy('--config', ok(), '--out', out)).toMatchObject({ code: 0 });
      fs.writeFileSync(path.join(out, 'old.yml'), 'kind: Old\n');
      fs.copyFileSync(ok(), path.join(out, 'prod.json'));
      const result = await deploy('--config', ok(), '--out', out, '--replicas', '7');
      expect(result).toMatchObject({ code: 0 });
      expect(result.stderr).toContain(`note: ${out} also holds old.yml, prod.json: \`kubectl apply -f ${out}\` applies those too`);
      expect(documents(fs.readFileSync(path.join(out, 'deployment.yaml'), 'utf8'))[0]!.spec.replicas).toBe(7);
      expect(fs.readdirSync(out).filter((f) => f.includes('partial'))).toEqual([]);
    });
  });
});
