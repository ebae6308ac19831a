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
    expect(error.message).toContain("server.prot: unknown key (value 50051); allowed under 'server': host, port, reflection");
    expect(error.message).toContain('server.port: ports must be within range 0 - 65535: value was 70000');
    expect(error.message).toContain('server.host: must be an IP address or a host name: value was "not a host!"');
    expect(error.message).toContain('log.level: must be one of the possible values: ["fatal","error","warn","info","debug","trace","silent"]: value was "loud"');
    expect(error.message).toContain('ordrs: unknown key');
    expect(error.message).toContain('allowed at the top level: server, log, orders');
    expect(error.message).toContain('orders.addOrderDelayMs: must be an integer of 0 or more: value was -5');
  });

  it('treats a typo in a --config file as an error, not a silent default', () => {
    const dir = dirWith({ 'prod.json': { server: { shutdownGraceMS: 5 } } });
    const error = failure(() => loadConfig(appSchema, { argv: ['--config', path.join(dir, 'prod.json')], env: {}, configDir: dir }));
    expect(error.message).toContain("server.shutdownGraceMS: unknown key (value 5); allowed under 'server'");
  });

  it('names a config file that is not JSON, or missing', () => {
    const dir = dirWith({ 'default.json': '{ "server": ' });
    expect(failure(() => loadConfig(appSchema, { argv: [], env: {}, configDir: dir })).message).toMatch(/config file .*default\.json is not valid JSON/);
    expect(failure(() => loadConfig(appSchema, { argv: ['--config', '/nope/x.json'], env: {}, configDir: dirWith({}) })).message).toContain(
      'cannot read config file /nope/x.json',
    );
  });
});
