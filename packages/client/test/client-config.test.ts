import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from 'inversify';
import { loadConfig, serverConfigSchema, SwitchboardError } from '@switchboard/core';
import { Lab } from '../../../testing/lab/lab-service';
import { clientsSchema, defineClient, effectiveClientConfig, registerClients } from '../src/index';
import { balancingConfig, methodConfigs, serviceConfig } from '../src/service-config';

const labClient = defineClient('labcfg', Lab);
const otherClient = defineClient('othercfg', Lab);

function load(clients: object, extra: object = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-clientcfg-'));
  fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify({ clients, ...extra }));
  return loadConfig({ ...serverConfigSchema, ...clientsSchema([labClient, otherClient]) }, { argv: [], env: {}, configDir: dir });
}

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchboardError) return error.message;
    throw error;
  }
  throw new Error('expected a SwitchboardError');
}

describe('client configuration', () => {
  it('names wrong keys, unknown policies, unknown methods and impossible values with what is allowed', () => {
    const message = problems(() =>
      load({
        labcfg: {
          target: 'dns:///localhost:1',
          balancing: 'round-robin',
          compression: 'brotli',
          deadlineMS: 10,
          retry: { maxAttempts: 9, codes: ['UNAVAILABLE', 'FLAKY'] },
          methods: { Forwrd: { deadlineMs: 5 } },
        },
      }),
    );
    expect(message).toContain('clients.labcfg.balancing: must be one of the possible values: ["pick_first","round_robin","weighted_round_robin","least_request","p2c"]: value was "round-robin"');
    expect(message).toContain('clients.labcfg.compression: must be one of the possible values: ["identity","deflate","gzip"]: value was "brotli"');
    expect(message).toContain("clients.labcfg.deadlineMS: unknown key (value 10); allowed under 'clients.labcfg': target, deadlineMs");
    expect(message).toContain('clients.labcfg.retry.maxAttempts: must be an integer from 0 to 5: value was 9');
    expect(message).toContain('clients.labcfg.retry.codes: ["FLAKY"] is not a status code name; allowed: OK, CANCELLED');
    expect(message).toContain("clients.labcfg.methods.Forwrd: unknown key (value {\"deadlineMs\":5}); allowed under 'clients.labcfg.methods': Forward, Flaky");
  });

  it('rejects an unknown target scheme and a missing target', () => {
    expect(problems(() => load({ labcfg: { target: 'etcdd:///orders' } }))).toContain("clients.labcfg.target: unknown scheme 'etcdd'");
    const config = load({ labcfg: {} });
    expect(problems(() => registerClients(new Container(), config, [labClient]))).toContain('clients.labcfg.target: required');
  });

  it('checks rules across keys before making any channel', () => {
    const config = load(
      {
        labcfg: {
          target: '127.0.0.1:1',
          interceptors: ['audit'],
          retry: { maxAttempts: 3, initialBackoffMs: 500, maxBackoffMs: 100 },
          hedging: { maxAttempts: 2 },
        },
      },
      { clientInterceptors: ['auth', 'metrics'] },
    );
    const message = problems(() => registerClients(new Container(), config, [labClient], { named: { auth: (c, n) => n(c) } }));
    expect(message).toContain('clients.labcfg: retry and hedging are exclusive (gRFC A6)');
    expect(message).toContain('clients.labcfg.retry.maxBackoffMs: must be at least initialBackoffMs (500): value was 100');
    expect(message).toContain("clients.labcfg.interceptors: no interceptor named 'audit' (registered: auth)");
    expect(message).toContain("clientInterceptors: no interceptor named 'metrics' (registered: auth)");
    expect(message).not.toContain("named 'auth'");
  });

  it('applies clientDefaults to every client, except where a client sets the key itself', () => {
    const config = load(
      {
        labcfg: { target: '127.0.0.1:1', compression: 'identity', metadata: { 'x-own': 'a' }, retry: { maxAttempts: 2 } },
        othercfg: { target: '127.0.0.1:2' },
      },
      { clientDefaults: { compression: 'gzip', deadlineMs: 700, metadata: { 'x-team': 'core' }, retry: { maxAttempts: 4, codes: ['UNAVAILABLE', 'ABORTED'] } } },
    );
    const lab = effectiveClientConfig(config, 'labcfg')!;
    const other = effectiveClientConfig(config, 'othercfg')!;
    expect([lab.compression, lab.deadlineMs, lab.metadata, lab.retry.maxAttempts, lab.retry.codes]).toEqual([
      'identity', 700, { 'x-own': 'a', 'x-team': 'core' }, 2, ['UNAVAILABLE', 'ABORTED'],
    ]);
    expect([other.compression, other.deadlineMs, other.metadata, other.retry.maxAttempts, other.target]).toEqual([
      'gzip', 700, { 'x-team': 'core' }, 4, '127.0.0.1:2',
    ]);
  });

  it('compiles to grpc-js service config: policy, retry and hedging per method, no deadlines', () => {
    const config = load({
      labcfg: {
        target: 'static:///127.0.0.1:1,127.0.0.1:2',
        balancing: 'round_robin',
        waitForReady: true,
        retry: { maxAttempts: 4, initialBackoffMs: 50, maxBackoffMs: 1500, codes: ['UNAVAILABLE', 'resource_exhausted'] },
        methods: { Flaky: { hedging: { maxAttempts: 3, hedgingDelayMs: 20 }, retry: { maxAttempts: 1 } }, Forward: { deadlineMs: 300 } },
      },
    });
    const json = JSON.parse(serviceConfig(balancingConfig(config.clients['labcfg']!), methodConfigs(Lab, config.clients['labcfg']!))) as unknown;
    expect(json).toEqual({
      loadBalancingConfig: [{ round_robin: {} }],
      methodConfig: [
        {
          name: [{ service: 'switchboard.lab.Lab' }],
          waitForReady: true,
          retryPolicy: { maxAttempts: 4, initialBackoff: '0.05s', maxBackoff: '1.5s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'] },
        },
        {
          name: [{ service: 'switchboard.lab.Lab', method: 'Flaky' }],
          waitForReady: true,
          hedgingPolicy: { maxAttempts: 3, hedgingDelay: '0.02s', nonFatalStatusCodes: [] },
        },
      ],
    });
  });
});
