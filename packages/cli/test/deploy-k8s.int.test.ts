import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';
import { serverConfigSchema } from '@switchboard/core';
import { type Finished, runProcess } from '@switchboard/test-support';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');
const VALIDATOR = path.join(__dirname, 'deploy-k8s-validate.mjs');
const ALL_IN_ONE = path.join(ROOT, 'deploy/all-in-one.json');

// The objects are read loosely: what matters is that the assertions below find what they look for.
/* eslint-disable @typescript-eslint/no-explicit-any */
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: any };

function switchboard(args: string[]): Promise<Finished> {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx turbo run build --output-logs=errors-only\` first (\`npm test\` builds it)`);
  return runProcess(process.execPath, [BIN, ...args], { timeoutMs: 15000, name: 'switchboard' });
}

const tmp = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Every YAML document of the text, as objects; a YAML error fails the test. */
function parseYaml(text: string): K8sObject[] {
  return parseAllDocuments(text).map((doc) => {
    if ('errors' in doc && doc.errors.length > 0) throw new Error(`not YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as K8sObject;
  });
}

/** The kubernetes-models verdict on each object: null for a valid one, else its schema errors. */
async function schemaErrors(objects: readonly object[]): Promise<(string | null)[]> {
  const file = path.join(tmp('sb-k8s-validate-'), 'objects.json');
  fs.writeFileSync(file, JSON.stringify(objects));
  const run = await runProcess(process.execPath, [VALIDATOR, file], { timeoutMs: 15000 });
  if (run.code !== 0) throw new Error(`the validator failed (${run.code}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { error: string | null }[]).map((r) => r.error);
}

const one = (objects: readonly K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} (objects: ${objects.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')})`);
  return found;
};

describe('switchboard deploy k8s --config deploy/all-in-one.json --out DIR', () => {
  const file = ALL_IN_ONE;
  const out = path.join(tmp('sb-k8s-out-'), 'manifests');
  let objects: K8sObject[];

  beforeAll(async () => {
    const run = await switchboard(['deploy', 'k8s', '--config', file, '--out', out, '--namespace', 'shop']);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    objects = fs
      .readdirSync(out)
      .sort()
      .flatMap((name) => parseYaml(fs.readFileSync(path.join(out, name), 'utf8')));
  });

  it('writes one file per kind, and every object passes the Kubernetes API schema', async () => {
    expect(fs.readdirSync(out).sort()).toEqual(['configmap.yaml', 'deployment.yaml', 'poddisruptionbudget.yaml', 'service.yaml']);
    expect(objects.map((o) => `${o.kind} ${o.metadata.name} ${o.metadata.namespace}`).sort()).toEqual([
      'ConfigMap all-in-one-config shop',
      'Deployment all-in-one shop',
      'PodDisruptionBudget all-in-one shop',
      'Service all-in-one shop',
      'Service all-in-one-headless shop',
    ]);
    expect(await schemaErrors(objects)).toEqual([null, null, null, null, null]);
  });

  it('holds the file as given in the ConfigMap, mounted where the server reads it as config/default.json', () => {
    const configMap = one(objects, 'ConfigMap', 'all-in-one-config');
    expect(configMap['data']).toEqual({ 'all-in-one.json': fs.readFileSync(file, 'utf8') });
    const pod = one(objects, 'Deployment', 'all-in-one')['spec'].template.spec;
    const container = pod.containers[0];
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: 'all-in-one-config', items: [{ key: 'all-in-one.json', path: 'default.json' }] } });
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/switchboard', readOnly: true });
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'SWITCHBOARD_CONFIG_DIR', value: '/etc/switchboard' },
        { name: 'HOST', value: '0.0.0.0' },
        { name: 'ADVERTISE_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ]),
    );
    expect(container.command).toEqual(['node', '/app/packages/cli/dist/bin.js', 'start']);
  });

  it("serves the file's port, probes grpc.health.v1 on it, and waits longer than the server's shutdown grace", () => {
    const pod = one(objects, 'Deployment', 'all-in-one')['spec'].template.spec;
    const container = pod.containers[0];
    expect(container.ports).toEqual([{ name: 'grpc', containerPort: 50051, protocol: 'TCP' }]);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe].grpc).toEqual({ port: 50051, service: '' });
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    // all-in-one.json leaves server.shutdownGraceMs at its default, 10 s.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10 + preStop);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '256Mi' } });
    expect(pod.containers.flatMap((c: any) => c.ports).some((p: any) => p.name === 'metrics')).toBe(false);
  });

  it('exposes the port as gRPC on a ClusterIP Service and a headless one, and a budget over the same pods', () => {
    const labels = one(objects, 'Deployment', 'all-in-one')['spec'].template.metadata.labels;
    const port = { name: 'grpc', port: 50051, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' };
    expect(one(objects, 'Service', 'all-in-one')['spec']).toMatchObject({ type: 'ClusterIP', ports: [port] });
    expect(one(objects, 'Service', 'all-in-one-headless')['spec']).toMatchObject({ clusterIP: 'None', ports: [port] });
    for (const selector of [
      one(objects, 'Service', 'all-in-one')['spec'].selector,
      one(objects, 'Service', 'all-in-one-headless')['spec'].selector,
      one(objects, 'PodDisruptionBudget', 'all-in-one')['spec'].selector.matchLabels,
      one(objects, 'Deployment', 'all-in-one')['spec'].selector.matchLabels,
    ]) {
      expect(labels).toMatchObject(selector);
    }
    expect(fs.readFileSync(path.join(out, 'service.yaml'), 'utf8')).toContain(
      'target: "dns:///all-in-one-headless.shop.svc.cluster.local:50051", balancing: "round_robin"',
    );
  });
});

describe('switchboard deploy k8s on a per-app config with metrics on, to stdout', () => {
  const hasWorkers = 'workers' in serverConfigSchema.server;

  it('adds the metrics port with scrape annotations, and takes the grace, port and workers from the file', async () => {
    const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/per-app/greeter.json'), 'utf8')) as { server: object };
    const config = {
      ...base,
      server: { ...base.server, shutdownGraceMs: 30000, ...(hasWorkers ? { workers: 2 } : {}) },
      metrics: { enabled: true, port: 9465 },
    };
    const file = path.join(tmp('sb-k8s-'), 'greeter.json');
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    const run = await switchboard(['deploy', 'k8s', '--config', file, '--image', 'registry.example/switchboard:1', '--memory', '300Mi']);
    expect(run.code).toBe(0);
    const objects = parseYaml(run.stdout);
    expect(await schemaErrors(objects)).toEqual(objects.map(() => null));

    const deployment = one(objects, 'Deployment', 'greeter');
    const pod = deployment['spec'].template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe('registry.example/switchboard:1');
    expect(container.ports).toEqual([
      { name: 'grpc', containerPort: 50052, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9465, protocol: 'TCP' },
    ]);
    expect(container.env).toContainEqual({ name: 'METRICS_HOST', value: '0.0.0.0' });
    expect(deployment['spec'].template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9465',
      'prometheus.io/path': '/metrics',
    });
    expect(container.readinessProbe.grpc).toEqual({ port: 50052, service: '' });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(30 + Number(container.lifecycle.preStop.exec.command[1]));
    expect(container.resources.requests).toEqual(hasWorkers ? { cpu: '1', memory: '600Mi' } : { cpu: '500m', memory: '300Mi' });
    expect(one(objects, 'ConfigMap', 'greeter-config')['data']).toEqual({ 'greeter.json': fs.readFileSync(file, 'utf8') });
    expect(one(objects, 'Service', 'greeter')['spec'].ports[0].port).toBe(50052);
  });
});

describe('switchboard deploy k8s --config deploy/prod.json, the example for Kubernetes', () => {
  it('passes the Kubernetes API schema, requests CPU for its 2 workers and waits past its 20 s grace', async () => {
    const run = await switchboard(['deploy', 'k8s', '--config', path.join(ROOT, 'deploy/prod.json')]);
    expect(run.code).toBe(0);
    const objects = parseYaml(run.stdout);
    expect(await schemaErrors(objects)).toEqual([null, null, null, null, null]);
    const pod = one(objects, 'Deployment', 'prod')['spec'].template.spec;
    expect(pod.containers[0].resources.requests).toEqual({ cpu: '1', memory: '512Mi' });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(20 + 5);
  });
});

describe('the Kubernetes schema check', () => {
  it('rejects a Deployment whose gRPC probe names its port (the API takes a number there)', async () => {
    const run = await switchboard(['deploy', 'k8s', '--config', ALL_IN_ONE]);
    const deployment = one(parseYaml(run.stdout), 'Deployment', 'all-in-one');
    deployment['spec'].template.spec.containers[0].readinessProbe.grpc.port = 'grpc';
    const [error] = await schemaErrors([deployment]);
    expect(error).toContain('readinessProbe/grpc/port must be integer');
  });
});

describe('switchboard deploy k8s refusing its input', () => {
  const written = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

  it('exits 1 with the config error start prints, and writes nothing, for a bad config', async () => {
    const file = path.join(tmp('sb-k8s-bad-'), 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ apps: ['@switchboard/app-greeter'], server: { port: 'fifty', shutdownGraceMs: -1 } }));
    const out = path.join(tmp('sb-k8s-out-'), 'manifests');
    const deploy = await switchboard(['deploy', 'k8s', '--config', file, '--out', out]);
    const start = await switchboard(['start', '--config', file]);
    expect(start.code).toBe(1);
    expect(deploy).toMatchObject({ code: 1, stdout: '', stderr: start.stderr });
    expect(deploy.stderr).toContain(`server.port: must be a port`);
    expect(written(out)).toEqual([]);
  });

  it.each([
    [['deploy', 'k8s', '--config', ALL_IN_ONE, '--replica', '3'], "unknown option '--replica'"],
    [['deploy', 'k8s'], 'deploy k8s needs --config FILE'],
    [['deploy', 'k8s', '--config', ALL_IN_ONE, '--name', 'Shop_1'], "--name 'Shop_1' is not a DNS-1035 label"],
    [['deploy', 'k8s', '--config', ALL_IN_ONE, '--cpu', 'lots'], "--cpu 'lots' is not a CPU amount"],
    [['deploy', 'swarm', '--config', ALL_IN_ONE], "unknown deploy target 'swarm' (targets: k8s)"],
  ])('exits 2 with the usage and writes nothing for %j', async (args, message) => {
    const out = path.join(tmp('sb-k8s-out-'), 'manifests');
    const run = await switchboard([...args, '--out', out]);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: switchboard deploy k8s');
    expect(written(out)).toEqual([]);
  });

  it('refuses an app named by folder, which the pod could not find beside the mounted file', async () => {
    const file = path.join(tmp('sb-k8s-'), 'folder.json');
    fs.writeFileSync(file, JSON.stringify({ apps: ['./apps/greeter'] }));
    const run = await switchboard(['deploy', 'k8s', '--config', file]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain("names './apps/greeter' by folder");
  });
});

describe('the Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  /** The instructions, continuation lines joined and comments dropped. */
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));

  it('passes dockerfile-utils lint with no problem', () => {
    expect(lintDockerfile(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`)).toEqual([]);
  });

  it('lints: dockerfile-utils reports a broken instruction', () => {
    expect(lintDockerfile(`${dockerfile}\nEXPOSE grpc\n`).map((d) => d.message)).toEqual(['Invalid containerPort: grpc']);
  });

  it('copies into the build only paths that exist in the repository and that .dockerignore keeps', () => {
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1))
      .filter((arg) => !arg.startsWith('--'));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect([source, fs.existsSync(path.join(ROOT, source))]).toEqual([source, true]);
      expect(ignored).not.toContain(source);
    }
  });

  it('runs with CMD a file that the build produces and the runtime stage copies', () => {
    const cmd = instructions.find((line) => line.startsWith('CMD '));
    const [node, script] = JSON.parse(cmd?.slice('CMD '.length) ?? '[]') as string[];
    expect(node).toBe('node');
    // packages/cli/dist/bin.js: made by the cli's build (tsc, src -> dist), not a file of the repository.
    expect(script).toBe('packages/cli/dist/bin.js');
    expect(fs.existsSync(path.join(ROOT, 'packages/cli/src/bin.ts'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, script ?? ''))).toBe(true);
    expect(instructions).toContain('RUN npm run build');
    // The runtime stage takes every workspace's dist from the build stage.
    expect(dockerfile).toMatch(/for part in dist /);
    expect(instructions).toContain('COPY --from=build /out/built ./');
  });
});
