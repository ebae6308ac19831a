import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SwitchboardError } from '../switchboard-error';
import { loadConfig } from './load-config';
import { serverConfigSchema } from './server-schema';

const appSchema = {
  ...serverConfigSchema,
  orders: { addOrderDelayMs: { doc: 'delay', format: 'non-negative-int', default: 0, env: 'ORDERS_ADD_ORDER_DELAY_MS' } },
};

function dirWith(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-config-'));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function failure(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error('expected a SwitchboardError');
}

describe('loadConfig', () => {
  it('returns the schema defaults, deeply frozen, when nothing else is given', () => {
    const config = loadConfig(appSchema, { argv: [], env: {}, configDir: dirWith({}) });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 50051, reflection: true, health: true });
    expect(Object.isFrozen(config.server.keepalive)).toBe(true);
  });

  it('layers default.json, <NODE_ENV>.json, the environment, then --config, each over the last', () => {
    const dir = dirWith({
      'default.json': { server: { port: 1001, shutdownGraceMs: 1 }, orders: { addOrderDelayMs: 1 } },
      'staging.json': { server: { port: 1002, shutdownGraceMs: 2 } },
      'override.json': { server: { port: 1004 } },
    });
    const env = { NODE_ENV: 'staging', PORT: '1003', ORDERS_ADD_ORDER_DELAY_MS: '30' };
    const withoutFlag = loadConfig(appSchema, { argv: [], env, configDir: dir });
    expect(withoutFlag.server.port).toBe(1003);
    expect(withoutFlag.server.shutdownGraceMs).toBe(2);
    expect(withoutFlag.orders.addOrderDelayMs).toBe(30);
    const withFlag = loadConfig(appSchema, { argv: ['--config', path.join(dir, 'override.json')], env, configDir: dir });
    expect(withFlag.server.port).toBe(1004);
    expect(loadConfig(appSchema, { argv: [`--config=${path.join(dir, 'override.json')}`], env, configDir: dir }).server.port).toBe(1004);
  });

  it('names every wrong key at once with its path, value and what is allowed', () => {
    const dir = dirWith({
      'default.json': { server: { prot: 50051, port: 70000, host: 'not a host!' }, log: { level: 'loud' }, ordrs: {} },
    });
    const error = failure(() => loadConfig(appSchema, { argv: [], env: { ORDERS_ADD_ORDER_DELAY_MS: '-5' }, configDir: dir }));
    expect(error.code).toBe('SB_ERR_CONFIG');
    expect(error.message).toContain("server.prot: unknown key (value 50051); allowed under 'server': host, port, workers, reflection");
    expect(error.message).toContain('server.port: must be a port: an integer from 0 to 65535 (0 picks a free one): value was 70000');
    expect(error.message).toContain('server.host: must be an IP address or a host name, without a port: value was "not a host!"');
    expect(error.message).toContain(
      'log.level: must be one of the possible values: ["fatal","error","warn","info","debug","trace","silent"]: value was "loud"',
    );
    expect(error.message).toContain('ordrs: unknown key');
    expect(error.message).toContain('allowed at the top level: server, log, orders');
    expect(error.message).toContain(
      'orders.addOrderDelayMs: must be an integer of 0 or more: value was "-5" (from environment variable ORDERS_ADD_ORDER_DELAY_MS)',
    );
  });

  it('treats a typo in a --config file as an error, not a silent default', () => {
    const dir = dirWith({ 'prod.json': { server: { shutdownGraceMS: 5 } } });
    const error = failure(() => loadConfig(appSchema, { argv: ['--config', path.join(dir, 'prod.json')], env: {}, configDir: dir }));
    expect(error.message).toContain("server.shutdownGraceMS: unknown key (value 5); allowed under 'server'");
  });

  it('sets a list whole, so an object given for one is an error, and merges maps across files key by key', () => {
    const schema = {
      ...serverConfigSchema,
      app: { tags: { doc: 'tags', format: Array, default: ['a'] }, labels: { doc: 'labels', format: Object, default: {} as Record<string, string> } },
    };
    const dir = dirWith({
      'default.json': { app: { tags: ['x', 'y'], labels: { team: 'core' } } },
      'staging.json': { app: { tags: ['z'], labels: { tier: 'web' } } },
    });
    expect(loadConfig(schema, { argv: [], env: { NODE_ENV: 'staging' }, configDir: dir }).app).toEqual({ tags: ['z'], labels: { team: 'core', tier: 'web' } });
    const bad = dirWith({ 'default.json': { app: { tags: { 0: 'x' } } } });
    expect(failure(() => loadConfig(schema, { argv: [], env: {}, configDir: bad })).message).toContain('app.tags: must be an array: value was {"0":"x"}');
  });

  it('refuses --config given twice, or given without a file, rather than choosing silently', () => {
    const dir = dirWith({ 'a.json': {}, 'b.json': {} });
    const [a, b] = [path.join(dir, 'a.json'), path.join(dir, 'b.json')];
    const load = (argv: string[]) => failure(() => loadConfig(appSchema, { argv, env: {}, configDir: dir })).message;
    expect(load(['--config', a, `--config=${b}`])).toContain(`--config is given 2 times (${a}, ${b}): give one file`);
    expect(load(['--config'])).toContain('--config needs a file name');
    expect(load(['--config', '--verbose'])).toContain("--config needs a file name (got '--verbose')");
    expect(load(['--config='])).toContain('--config needs a file name');
  });

  it('names a config file that is not JSON, or missing', () => {
    const dir = dirWith({ 'default.json': '{ "server": ' });
    expect(failure(() => loadConfig(appSchema, { argv: [], env: {}, configDir: dir })).message).toMatch(/config file .*default\.json is not valid JSON/);
    expect(failure(() => loadConfig(appSchema, { argv: ['--config', '/nope/x.json'], env: {}, configDir: dirWith({}) })).message).toContain(
      'cannot read config file /nope/x.json',
    );
  });
});

/** Loads the server schema (and `extra`) from a default.json holding `file`, with `env`. */
function loadServer(file: object, env: Record<string, string> = {}, extra: object = {}) {
  return loadConfig({ ...serverConfigSchema, ...extra }, { argv: [], env, configDir: dirWith({ 'default.json': file }) });
}

/** The one problem line of `path`, or '' if there is none. */
function lineOf(message: string, path: string): string {
  return (
    message
      .split('\n')
      .find((l) => l.trimStart().startsWith(`${path}:`))
      ?.trim() ?? ''
  );
}

/** Every leaf path of a schema. */
function leafPaths(schema: object, prefix = ''): string[] {
  return Object.entries(schema).flatMap(([key, node]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return 'default' in (node as object) ? [path] : leafPaths(node as object, path);
  });
}

/** `{ a: { b: value } }` for 'a.b'. */
const at = (path: string, value: unknown): object => path.split('.').reduceRight<unknown>((v, k) => ({ [k]: v }), value) as object;

describe('loadConfig reads booleans as written', () => {
  it('rejects strings and numbers for boolean keys in a file, showing each value', () => {
    const message = failure(() => loadServer({ server: { health: 'no', reflection: 'yes', keepalive: { permitWithoutCalls: 'true' } } })).message;
    expect(lineOf(message, 'server.health')).toMatch(/^server\.health: must be true or false .*: value was "no" \(from .*default\.json\)$/);
    expect(lineOf(message, 'server.reflection')).toContain('value was "yes"');
    expect(lineOf(message, 'server.keepalive.permitWithoutCalls')).toContain('value was "true"');
    expect(failure(() => loadServer({ server: { health: 0 } })).message).toContain(
      'server.health: must be true or false (a JSON boolean, not a string): value was 0',
    );
  });

  it('rejects a "true" string given by --config too', () => {
    const dir = dirWith({ 'prod.json': { server: { reflection: 'true' } } });
    const error = failure(() => loadConfig(serverConfigSchema, { argv: ['--config', path.join(dir, 'prod.json')], env: {}, configDir: dirWith({}) }));
    expect(lineOf(error.message, 'server.reflection')).toContain(`value was "true" (from ${path.join(dir, 'prod.json')})`);
  });

  it('takes exactly true or false, in any case, from an environment variable, and nothing else', () => {
    const schema = { ...serverConfigSchema, feature: { on: { doc: 'flag', format: Boolean, default: false, env: 'FEATURE_ON' } } };
    const load = (value: string) => loadConfig(schema, { argv: [], env: { FEATURE_ON: value }, configDir: dirWith({}) }).feature.on;
    expect([load('true'), load('TRUE'), load('False'), load('false')]).toEqual([true, true, false, false]);
    for (const bad of ['yes', 'no', '1', '0', '', ' true', 'on']) {
      expect(lineOf(failure(() => load(bad)).message, 'feature.on')).toBe(
        `feature.on: must be true or false (a JSON boolean, not a string): value was ${JSON.stringify(bad)} (from environment variable FEATURE_ON)`,
      );
    }
  });
});

describe('loadConfig reads ports as decimal integers from 0 to 65535', () => {
  it('takes digits from PORT and rejects anything else, showing what was given', () => {
    expect(loadServer({}, { PORT: '51005' }).server.port).toBe(51005);
    expect(loadServer({}, { PORT: '0' }).server.port).toBe(0);
    expect(loadServer({}, { PORT: '65535' }).server.port).toBe(65535);
    for (const bad of ['51005abc', '0x10', '1e3', '-1', ' 80', '80 ', '', '5.0']) {
      expect(lineOf(failure(() => loadServer({}, { PORT: bad })).message, 'server.port')).toBe(
        `server.port: must be a port: an integer from 0 to 65535 (0 picks a free one): value was ${JSON.stringify(bad)} (from environment variable PORT)`,
      );
    }
    expect(lineOf(failure(() => loadServer({}, { PORT: '65536' })).message, 'server.port')).toContain('value was 65536 (from environment variable PORT)');
  });

  it('rejects a port written as a string, a fraction, a negative number or an object in a file', () => {
    for (const bad of ['50051', 50051.5, -1, 65536, { value: 1 }, [80]]) {
      expect(lineOf(failure(() => loadServer({ server: { port: bad } })).message, 'server.port')).toContain(`value was ${JSON.stringify(bad)}`);
    }
  });
});

describe('loadConfig shows the value of every problem', () => {
  it('shows falsy values: 0, "", false and null', () => {
    const message = failure(() => loadServer({ server: { maxConcurrentStreams: 0, host: '', health: null, keepalive: { timeMs: false } } })).message;
    expect(lineOf(message, 'server.maxConcurrentStreams')).toMatch(/: value was 0 \(from /);
    expect(lineOf(message, 'server.host')).toMatch(/: value was "" \(from /);
    expect(lineOf(message, 'server.health')).toMatch(/: value was null \(from /);
    expect(lineOf(message, 'server.keepalive.timeMs')).toMatch(/: value was false \(from /);
  });

  it('names the value of every server key given a value of the wrong type', () => {
    for (const path of leafPaths(serverConfigSchema)) {
      for (const wrong of [{ wrong: 1 }, -1.5]) {
        const line = lineOf(failure(() => loadServer(at(path, wrong))).message, path);
        expect(line).toMatch(/^\S+: .+: value was /);
        expect(line).toContain(`value was ${JSON.stringify(wrong)}`);
      }
    }
  });

  it('says which keys a group takes when a file puts a value in its place, and does not crash when the environment sets a key under it', () => {
    const message = failure(() => loadServer({ server: { keepalive: 'fast' } })).message;
    expect(message).toContain('server.keepalive: must be an object with the keys timeMs, timeoutMs, permitWithoutCalls: value was "fast"');
    expect(failure(() => loadServer({ server: 5 }, { PORT: '1' })).message).toContain('server: must be an object with the keys host, port,');
  });

  it('does not show the value of a key marked sensitive', () => {
    const schema = { ...serverConfigSchema, db: { password: { doc: 'x', format: 'positive-int', default: 1, sensitive: true, env: 'DB_PASSWORD' } } };
    const message = failure(() => loadConfig(schema, { argv: [], env: { DB_PASSWORD: 'hunter2' }, configDir: dirWith({}) })).message;
    expect(lineOf(message, 'db.password')).toBe('db.password: must be an integer of 1 or more: value was [sensitive] (from environment variable DB_PASSWORD)');
    expect(message).not.toContain('hunter2');
  });

  it('reports a schema that names a format Switchboard does not have', () => {
    const schema = { ...serverConfigSchema, odd: { key: { doc: 'x', format: 'windows_named_pipe', default: 'p' } } };
    expect(failure(() => loadConfig(schema, { argv: [], env: {}, configDir: dirWith({}) })).message).toContain(
      "odd.key: the schema names format 'windows_named_pipe', which is not one of Switchboard's",
    );
  });
});

describe('loadConfig keeps every millisecond key within what a Node timer holds', () => {
  // halfCloseSettleMs keeps its own format for now.
  const durations = leafPaths(serverConfigSchema).filter((p) => p.endsWith('Ms') && p !== 'server.halfCloseSettleMs');

  it('rejects SHUTDOWN_GRACE_MS=3000000000, which setTimeout would cut to 1 ms', () => {
    expect(lineOf(failure(() => loadServer({}, { SHUTDOWN_GRACE_MS: '3000000000' })).message, 'server.shutdownGraceMs')).toBe(
      'server.shutdownGraceMs: must be a whole number of milliseconds from 0 to 2147483647: value was 3000000000 (from environment variable SHUTDOWN_GRACE_MS)',
    );
    expect(loadServer({}, { SHUTDOWN_GRACE_MS: '2147483647' }).server.shutdownGraceMs).toBe(2147483647);
  });

  it('rejects 2^31 ms, fractions and negatives for every *Ms key of the server', () => {
    expect(durations).toEqual(
      expect.arrayContaining([
        'server.shutdownGraceMs',
        'server.handshakeTimeoutMs',
        'server.maxConnectionIdleMs',
        'server.maxConnectionAgeMs',
        'server.maxConnectionAgeGraceMs',
        'server.keepalive.timeMs',
        'server.keepalive.timeoutMs',
      ]),
    );
    for (const path of durations) {
      for (const bad of [2147483648, 1.5, -1]) {
        expect(lineOf(failure(() => loadServer(at(path, bad))).message, path)).toMatch(
          new RegExp(`milliseconds from \\d+ to \\d+.*: value was ${bad} \\(from `),
        );
      }
    }
  });

  it("keeps maxConnectionAgeMs small enough that grpc-js's +10 % jitter still fits a timer", () => {
    expect(loadServer({ server: { maxConnectionAgeMs: 1952257860 } }).server.maxConnectionAgeMs).toBe(1952257860);
    expect(lineOf(failure(() => loadServer({ server: { maxConnectionAgeMs: 1952257861 } })).message, 'server.maxConnectionAgeMs')).toContain(
      'from 0 to 1952257860',
    );
  });

  it('holds server keepalive time and timeout to 1 s at least, as grpc-go does', () => {
    const message = failure(() => loadServer({ server: { keepalive: { timeMs: 1, timeoutMs: 999 } } })).message;
    expect(lineOf(message, 'server.keepalive.timeMs')).toContain(
      'from 1000 to 2147483647 (grpc-go raises a server keepalive time under 1 s to 1 s): value was 1',
    );
    expect(lineOf(message, 'server.keepalive.timeoutMs')).toContain('value was 999');
    expect(loadServer({ server: { keepalive: { timeMs: 1000, timeoutMs: 1000 } } }).server.keepalive).toMatchObject({ timeMs: 1000, timeoutMs: 1000 });
  });
});

describe('loadConfig checks hosts and sizes', () => {
  it('rejects a host with a port, a dotted number that is no IP address, and an empty host', () => {
    for (const bad of ['127.0.0.1:50051', 'localhost:80', '256.1.1.1', '1.2.3', '', '[::1]']) {
      expect(lineOf(failure(() => loadServer({ server: { host: bad } })).message, 'server.host')).toContain(`value was ${JSON.stringify(bad)}`);
    }
    for (const good of ['0.0.0.0', '::', '::1', 'localhost', 'api.example.com', 'host-1'])
      expect(loadServer({ server: { host: good } }).server.host).toBe(good);
  });

  it('keeps HTTP/2 settings within 32 bits', () => {
    const message = failure(() => loadServer({ server: { maxConcurrentStreams: 4294967296, maxMetadataBytes: 0 } })).message;
    expect(lineOf(message, 'server.maxConcurrentStreams')).toContain('from 1 to 4294967295 (an HTTP/2 setting): value was 4294967296');
    expect(lineOf(message, 'server.maxMetadataBytes')).toContain('value was 0');
  });
});

describe('loadConfig given values as an object', () => {
  it('checks them like a file, names them by their origin, and reads no config files with configDir null', () => {
    const cwd = process.cwd();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-values-'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config', 'default.json'), JSON.stringify({ server: { port: 1234 } }));
    process.chdir(dir);
    try {
      const ok = loadConfig(serverConfigSchema, {
        argv: [],
        env: {},
        configDir: null,
        values: { tree: { server: { shutdownGraceMs: 5 } }, origin: 'my options' },
      });
      expect([ok.server.port, ok.server.shutdownGraceMs]).toEqual([50051, 5]);
      let error: unknown;
      try {
        loadConfig(serverConfigSchema, {
          argv: [],
          env: {},
          configDir: null,
          values: { tree: { server: { port: Number.NaN, health: 'yes' } }, origin: 'my options' },
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SwitchboardError);
      expect((error as Error).message).toContain('(from defaults, environment, my options)');
      expect((error as Error).message).toMatch(/server\.port: .*value was NaN \(from my options\)/);
      expect((error as Error).message).toMatch(/server\.health: .*value was "yes" \(from my options\)/);
    } finally {
      process.chdir(cwd);
    }
  });
});
