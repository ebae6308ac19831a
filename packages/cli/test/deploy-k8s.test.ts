import { loadServerConfig } from '@switchboard/server';
import type { DeploymentSource } from '../src/k8s/deployment-source';
import { K8S_DEFAULTS, type K8sOptions } from '../src/k8s/k8s-options';
import { k8sManifests } from '../src/k8s/manifests';
import { scaleCpu, scaleMemory } from '../src/k8s/quantity';

const OPTIONS: K8sOptions = { name: 'shop', ...K8S_DEFAULTS };

/** A deployment source of these config values (validated by the server's schema), as if read from shop.json. */
function source(tree: object, workers = 1): DeploymentSource {
  const config = loadServerConfig([], { argv: [], env: {}, configDir: null, values: { tree, origin: 'the test' } });
  return { file: '/deploy/shop.json', text: JSON.stringify(tree), config, workers };
}

/** The one container of the Deployment. */
function container(tree: object, workers = 1, options = OPTIONS) {
  const deployment = k8sManifests(source(tree, workers), options).manifests[0]?.object as {
    spec: { template: { spec: { containers: Record<string, unknown>[]; terminationGracePeriodSeconds: number } } };
  };
  return { container: deployment.spec.template.spec.containers[0] ?? {}, grace: deployment.spec.template.spec.terminationGracePeriodSeconds };
}

describe('k8sManifests', () => {
  it('requests CPU and memory for every worker, and limits memory only', () => {
    expect(container({}, 3).container['resources']).toEqual({ requests: { cpu: '1500m', memory: '768Mi' }, limits: { memory: '768Mi' } });
    expect(container({}, 2, { ...OPTIONS, cpuPerWorker: '1', memoryPerWorker: '1Gi' }).container['resources']).toEqual({
      requests: { cpu: '2', memory: '2Gi' },
      limits: { memory: '2Gi' },
    });
  });

  it('gives the pod the preStop wait, the shutdown grace and a margin before it is killed', () => {
    expect(container({ server: { shutdownGraceMs: 2500 } }, 1, { ...OPTIONS, drainSeconds: 7 }).grace).toBe(7 + 3 + 5);
  });

  it('probes with TCP, and says why, when the server has no health service or serves TLS (the kubelet gRPC probe is plaintext)', () => {
    for (const tree of [{ server: { health: false } }, { server: { tls: { certFile: '/certs/tls.crt', keyFile: '/certs/tls.key' } } }]) {
      const { manifests, notes } = k8sManifests(source(tree), OPTIONS);
      const probe = (manifests[0]?.object as { spec: { template: { spec: { containers: { readinessProbe: object }[] } } } }).spec.template.spec.containers[0]
        ?.readinessProbe;
      expect(probe).toMatchObject({ tcpSocket: { port: 'grpc' } });
      expect(probe).not.toHaveProperty('grpc');
      expect(notes).toHaveLength(1);
      expect(manifests[0]?.comment).toContain(notes[0]);
    }
  });

  it('refuses a file name that cannot be a ConfigMap key', () => {
    expect(() => k8sManifests({ ...source({}), file: '/deploy/my shop.json' }, OPTIONS)).toThrow("the file name 'my shop.json' cannot be a ConfigMap key");
  });
});

describe('resource quantities', () => {
  it('multiplies CPU in millicores or cores and memory in its unit', () => {
    expect([scaleCpu('--cpu', '250m', 4), scaleCpu('--cpu', '0.5', 3), scaleCpu('--cpu', '1.25', 1)]).toEqual(['1', '1500m', '1250m']);
    expect([scaleMemory('--memory', '128Mi', 3), scaleMemory('--memory', '1000000', 2)]).toEqual(['384Mi', '2000000']);
  });

  it('names the flag, the value and the forms allowed when a quantity is not one', () => {
    expect(() => scaleCpu('--cpu', '2 cores', 1)).toThrow("--cpu '2 cores' is not a CPU amount (allowed: millicores such as 500m, or cores such as 1 or 1.5)");
    expect(() => scaleMemory('--memory', '1GB', 1)).toThrow("--memory '1GB' is not a memory amount");
    expect(() => scaleCpu('--cpu', '0m', 1)).toThrow("--cpu '0m' must be more than 0");
  });
});
