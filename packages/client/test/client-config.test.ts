import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from 'inversify';
import { loadConfig, serverConfigSchema, SwitchboardError } from '@switchboard/core';
import { Lab } from '@switchboard/test-support';
import { clientConfigSchema, clientsSchema, defineClient, effectiveClientConfig, registerClients } from '../src/index';
import { crossCheck } from '../src/client-config';
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
    expect(message).toContain(
      'clients.labcfg.balancing: must be one of the possible values: ["pick_first","round_robin","weighted_round_robin","least_request","p2c"]: value was "round-robin"',
    );
    expect(message).toContain('clients.labcfg.compression: must be one of the possible values: ["identity","deflate","gzip"]: value was "brotli"');
    expect(message).toContain("clients.labcfg.deadlineMS: unknown key (value 10); allowed under 'clients.labcfg': target, deadlineMs");
    expect(message).toContain('clients.labcfg.retry.maxAttempts: must be an integer from 0 to 5: value was 9');
    expect(message).toContain('clients.labcfg.retry.codes: ["FLAKY"] is not a status code name; allowed: OK, CANCELLED');
    expect(message).toContain('clients.labcfg.methods.Forwrd: unknown key (value {"deadlineMs":5}); allowed under \'clients.labcfg.methods\': Forward, Flaky');
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
      {
        clientDefaults: { compression: 'gzip', deadlineMs: 700, metadata: { 'x-team': 'core' }, retry: { maxAttempts: 4, codes: ['UNAVAILABLE', 'ABORTED'] } },
      },
    );
    const lab = effectiveClientConfig(config, 'labcfg')!;
    const other = effectiveClientConfig(config, 'othercfg')!;
    expect([lab.compression, lab.deadlineMs, lab.metadata, lab.retry.maxAttempts, lab.retry.codes]).toEqual([
      'identity',
      700,
      { 'x-own': 'a', 'x-team': 'core' },
      2,
      ['UNAVAILABLE', 'ABORTED'],
    ]);
    expect([other.compression, other.deadlineMs, other.metadata, other.retry.maxAttempts, other.target]).toEqual([
      'gzip',
      700,
      { 'x-team': 'core' },
      4,
      '127.0.0.1:2',
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
          retryPolicy: {
            maxAttempts: 4,
            initialBackoff: '0.05s',
            maxBackoff: '1.5s',
            backoffMultiplier: 2,
            retryableStatusCodes: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'],
          },
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

/** The one problem line of `path` in `message`, or '' if there is none. */
const lineOf = (message: string, path: string): string =>
  message
    .split('\n')
    .find((l) => l.trimStart().startsWith(`${path}:`))
    ?.trim() ?? '';

/** Every leaf path of a schema, under `prefix`. */
function leafPaths(schema: object, prefix: string): string[] {
  return Object.entries(schema).flatMap(([key, node]) => {
    const path = `${prefix}.${key}`;
    return 'default' in (node as object) ? [path] : leafPaths(node as object, path);
  });
}

/** `resolvers` of a loaded config (clientsSchema declares it; the typed result does not show it). */
const resolversOf = (config: object) => (config as { resolvers?: { etcd?: { leaseTtlSec: number } } }).resolvers;

/** `{ a: { b: value } }` for 'a.b'. */
const at = (path: string, value: unknown): object => path.split('.').reduceRight<unknown>((v, k) => ({ [k]: v }), value) as object;

describe('client configuration takes values of the right type only', () => {
  it('shows the value of every client key given one of the wrong type', () => {
    for (const path of leafPaths(clientConfigSchema(Lab), 'clients.labcfg')) {
      for (const wrong of [{ wrong: 1 }, -1.5]) {
        const { clients } = at(path, wrong) as { clients: object };
        expect(
          lineOf(
            problems(() => load(clients)),
            path,
          ),
        ).toContain(`value was ${JSON.stringify(wrong)}`);
      }
    }
  });

  it('rejects strings for booleans and numbers, unknown names in another case, and lists given as one string', () => {
    const message = problems(() =>
      load({
        labcfg: {
          target: '127.0.0.1:1',
          waitForReady: 'true',
          healthCheck: { enabled: 'yes' },
          compression: 'GZIP',
          deadlineMs: '100',
          retry: { backoffMultiplier: 0, codes: 'UNAVAILABLE' },
          interceptors: ['audit', 5],
          metadata: { 'x-note': 'two\nlines' },
          methods: { Forward: { waitForReady: 'false' } },
        },
      }),
    );
    expect(lineOf(message, 'clients.labcfg.waitForReady')).toContain('must be true or false (a JSON boolean, not a string): value was "true"');
    expect(lineOf(message, 'clients.labcfg.healthCheck.enabled')).toContain('value was "yes"');
    expect(lineOf(message, 'clients.labcfg.compression')).toContain('value was "GZIP"');
    expect(lineOf(message, 'clients.labcfg.deadlineMs')).toContain('value was "100"');
    expect(lineOf(message, 'clients.labcfg.retry.backoffMultiplier')).toContain('must be a number above 0: value was 0');
    expect(lineOf(message, 'clients.labcfg.retry.codes')).toContain('must be a list of status code names');
    expect(lineOf(message, 'clients.labcfg.interceptors')).toContain('must be a list of names (non-empty strings): value was ["audit",5]');
    expect(lineOf(message, 'clients.labcfg.metadata')).toContain("'x-note' must have a string value of printable ASCII");
    expect(lineOf(message, 'clients.labcfg.methods.Forward.waitForReady')).toContain('must be true, false or null (inherit): value was "false"');
  });

  it('rejects targets that would fail only at the first call', () => {
    for (const target of ['dns:///', 'localhost:99999', 'static:///127.0.0.1', 'etcd:///', ' dns:///localhost:1', 'localhost']) {
      expect(
        lineOf(
          problems(() => load({ labcfg: { target } })),
          'clients.labcfg.target',
        ),
      ).toContain(`value was ${JSON.stringify(target)}`);
    }
    expect(problems(() => load({}, { clientDefaults: { target: 'etcd:///x' } }))).toContain('clientDefaults.target: unknown key (value "etcd:///x")');
  });

  it('keeps every millisecond key of a client, its methods and clientDefaults within what a Node timer holds', () => {
    const durations = [
      ...leafPaths(clientConfigSchema(Lab), 'clients.labcfg'),
      ...leafPaths(clientConfigSchema(Lab), 'clientDefaults').filter((p) => !p.startsWith('clientDefaults.target') && !p.startsWith('clientDefaults.methods')),
    ].filter((p) => p.endsWith('Ms'));
    expect(durations).toEqual(expect.arrayContaining(['clients.labcfg.methods.Flaky.hedging.hedgingDelayMs', 'clientDefaults.retry.initialBackoffMs']));
    for (const path of durations) {
      const tree = at(path, 2147483648) as { clients?: object };
      expect(
        lineOf(
          problems(() => load(tree.clients ?? {}, tree.clients ? {} : tree)),
          path,
        ),
      ).toMatch(/milliseconds from \d+ to 2147483647.*: value was 2147483648/);
    }
    expect(
      lineOf(
        problems(() => load({ labcfg: { retry: { initialBackoffMs: 0 } } })),
        'clients.labcfg.retry.initialBackoffMs',
      ),
    ).toContain('value was 0');
  });

  it('keeps resolvers.etcd dialTimeoutMs and leaseTtlSec within what a timer holds', () => {
    const message = problems(() => load({}, { resolvers: { etcd: { dialTimeoutMs: 2147483648, leaseTtlSec: 2147484 } } }));
    expect(lineOf(message, 'resolvers.etcd.dialTimeoutMs')).toContain('from 1 to 2147483647: value was 2147483648');
    expect(lineOf(message, 'resolvers.etcd.leaseTtlSec')).toContain('up to 2147483 (seconds whose milliseconds fit a timer): value was 2147484');
    expect(resolversOf(load({}, { resolvers: { etcd: { dialTimeoutMs: 2147483647, leaseTtlSec: 2147483 } } }))?.etcd).toMatchObject({ leaseTtlSec: 2147483 });
  });

  it('holds the keepalive time to 10 s and its timeout to 1 s at least, as grpc-go does', () => {
    const message = problems(() => load({ labcfg: { keepalive: { timeMs: 9999, timeoutMs: 999 } } }, { clientDefaults: { keepalive: { timeMs: 1 } } }));
    expect(lineOf(message, 'clients.labcfg.keepalive.timeMs')).toContain(
      'from 10000 to 2147483647 (grpc-go raises a client keepalive time under 10 s to 10 s): value was 9999',
    );
    expect(lineOf(message, 'clients.labcfg.keepalive.timeoutMs')).toContain('value was 999');
    expect(lineOf(message, 'clientDefaults.keepalive.timeMs')).toContain('value was 1');
    expect(load({ labcfg: { keepalive: { timeMs: 10000, timeoutMs: 1000 } } }).clients['labcfg']!.keepalive).toMatchObject({ timeMs: 10000, timeoutMs: 1000 });
  });
});

describe('an etcd:/// target', () => {
  it('is a config error, naming the client, the target and what to add, when the configuration has no resolvers.etcd', () => {
    const config = load({ labcfg: { target: `etcd:///${Lab.fullName}` }, othercfg: { target: '127.0.0.1:1' } });
    const [problem, ...more] = crossCheck('labcfg', config.clients['labcfg']!, { resolvers: {} });
    expect(more).toEqual([]);
    expect(problem).toBe(
      `clients.labcfg.target: "etcd:///${Lab.fullName}" needs resolvers.etcd (the registry's endpoints and prefix), which the configuration given to ` +
        'registerClients does not have: declare it (etcdConfigSchema; clientsSchema includes it) and pass resolvers along with clients',
    );
    expect(crossCheck('labcfg', config.clients['labcfg']!, {})).toHaveLength(1);
    expect(crossCheck('othercfg', config.clients['othercfg']!, { resolvers: {} })).toEqual([]);
  });

  it('passes when resolvers.etcd is declared, as clientsSchema does with its defaults', () => {
    const config = load({ labcfg: { target: `etcd:///${Lab.fullName}` } }, { resolvers: { etcd: { endpoints: ['http://127.0.0.1:2379'] } } });
    expect(crossCheck('labcfg', config.clients['labcfg']!, { resolvers: resolversOf(config) })).toEqual([]);
    expect(crossCheck('labcfg', load({ labcfg: { target: `etcd:///${Lab.fullName}` } }).clients['labcfg']!, { resolvers: resolversOf(load({})) })).toEqual([]);
  });
});

describe('registerClients given an etcd:/// target', () => {
  it('refuses it, before any channel exists, when the configuration handed over has no resolvers', () => {
    const config = load({ labcfg: { target: `etcd:///${Lab.fullName}` } });
    const error = (() => {
      try {
        registerClients(new Container(), { clients: config.clients }, [labClient]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as SwitchboardError).message).toContain(`clients.labcfg.target: "etcd:///${Lab.fullName}" needs resolvers.etcd`);
  });
});

describe('retry and hedging maxAttempts of 0', () => {
  it('is an error on a client, where there is nothing to inherit, and allowed under methods', () => {
    const config = load({ labcfg: { target: '127.0.0.1:1', retry: { maxAttempts: 0 }, methods: { Flaky: { hedging: { maxAttempts: 0 } } } } });
    expect(crossCheck('labcfg', config.clients['labcfg']!)).toEqual([
      'clients.labcfg.retry.maxAttempts: 0 ("the client\'s") applies only under methods; 1 turns retry off: value was 0',
    ]);
  });
});
