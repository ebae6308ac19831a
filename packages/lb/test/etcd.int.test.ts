import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadConfig, serverConfigSchema } from '@switchboard/core';
import { Etcd3 } from 'etcd3';
import type { RunningServer } from '@switchboard/server';
import { ETCD_CONFIG_DEFAULTS, etcdConfigSchema, registerEtcdResolver, type EtcdConfig } from '../src/etcd/index';
import { labClient, spread, warm } from './backends';
import { childLab, etcdConfig, registeredLab, startEtcd, until, type ChildLab, type EtcdProcess } from './etcd-process';

const LAB = 'switchboard.lab.Lab';
const TARGET = `etcd:///${LAB}`;

describe('resolvers.etcd config', () => {
  const load = (config: object) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-etcd-schema-'));
    fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify(config));
    return loadConfig({ ...serverConfigSchema, ...etcdConfigSchema }, { argv: [], env: {}, configDir: dir });
  };

  it('has defaults, and names every bad value', () => {
    expect(load({}).resolvers.etcd).toEqual(ETCD_CONFIG_DEFAULTS);
    expect(() => load({ resolvers: { etcd: { endpoints: ['127.0.0.1:2379'], prefix: 'services', leaseTtlSec: 0 } } })).toThrow(
      /resolvers\.etcd\.endpoints: .*not an etcd client URL[\s\S]*resolvers\.etcd\.prefix: must be a key prefix[\s\S]*resolvers\.etcd\.leaseTtlSec: must be an integer of 1 or more/,
    );
  });
});

describe('etcd service discovery', () => {
  let etcd: EtcdProcess;
  let kv: Etcd3;
  const servers: RunningServer[] = [];
  const children: ChildLab[] = [];
  const cleanups: (() => void)[] = [];

  const lab = async (name: string, config: EtcdConfig, settleMs?: number) => {
    const server = await registeredLab(name, config, settleMs === undefined ? {} : { deregisterSettleMs: settleMs });
    servers.push(server);
    return server;
  };
  const client = (config: EtcdConfig) => {
    registerEtcdResolver(config);
    const c = labClient(TARGET);
    cleanups.push(c.close);
    return c;
  };
  const keys = async (config: EtcdConfig) => Object.keys(await kv.getAll().prefix(config.prefix).strings()).sort();

  beforeAll(async () => {
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.clientUrl });
  });
  afterEach(async () => {
    for (const close of cleanups.splice(0)) close();
    await Promise.all(servers.splice(0).map((s) => s.shutdown(0)));
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });
  afterAll(async () => {
    kv?.close();
    await etcd?.kill();
  });

  it('registers each service under a lease, and a new server receives calls within a second', async () => {
    const config = etcdConfig(etcd);
    const a = await lab('a', config);
    const key = `${config.prefix}${LAB}/127.0.0.1:${a.port}`;
    expect(JSON.parse((await kv.get(key).string())!)).toEqual({ address: `127.0.0.1:${a.port}`, weight: 1, metadata: {} });
    expect((await kv.get(key).exec()).kvs[0]!.lease).not.toBe('0');

    const c = client(config);
    expect(await spread(c.whoAnswers, 3)).toEqual({ a: 3 });
    await lab('b', config);
    const registeredAt = Date.now();
    await until('b answers', async () => (await c.whoAnswers()) === 'b', 3000, 0);
    expect(Date.now() - registeredAt).toBeLessThan(1000);
    await warm(c.whoAnswers, ['a', 'b']);
    expect(await spread(c.whoAnswers, 10)).toEqual({ a: 5, b: 5 });
  });

  it('fails calls at once with UNAVAILABLE and the reason when nothing is registered or etcd is unreachable', async () => {
    const config = etcdConfig(etcd);
    const nobody = client(config);
    let started = Date.now();
    let error = (await nobody.whoAnswers(5000).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain(`no endpoints registered under '${config.prefix}${LAB}/'`);
    expect(Date.now() - started).toBeLessThan(2000);

    const gone = etcdConfig({ clientUrl: 'http://127.0.0.1:1' });
    const unreachable = client(gone);
    started = Date.now();
    error = (await unreachable.whoAnswers(5000).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain('etcd at http://127.0.0.1:1 is unreachable');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('a graceful shutdown deregisters first: no call fails, and none reaches the server after', async () => {
    const config = etcdConfig(etcd);
    await lab('a', config);
    const b = await lab('b', config, 300);
    const c = client(config);
    await warm(c.whoAnswers, ['a', 'b']);

    let stopped = false;
    const answers: string[] = [];
    const failures: unknown[] = [];
    const load = (async () => {
      while (!stopped)
        await c.whoAnswers().then(
          (n) => answers.push(n),
          (e: unknown) => failures.push(e),
        );
    })();
    await b.shutdown(2000);
    servers.splice(servers.indexOf(b), 1);
    const afterShutdown = answers.length;
    await new Promise((r) => setTimeout(r, 100));
    stopped = true;
    await load;

    expect(failures).toEqual([]);
    expect(answers.slice(afterShutdown)).not.toContain('b');
    expect(await keys(config)).toEqual([expect.stringMatching(/\/127\.0\.0\.1:\d+$/)]);
    expect(await spread(c.whoAnswers, 10)).toEqual({ a: 10 });
  });

  it('a crashed server (SIGKILLed child process) drops out when its lease expires', async () => {
    const config = etcdConfig(etcd, { leaseTtlSec: 2 });
    const crash = childLab('crash', config);
    children.push(crash);
    const a = await lab('a', config);
    const crashPort = await crash.ready;
    expect(await keys(config)).toHaveLength(2);
    const c = client(config);
    await warm(c.whoAnswers, ['a', 'crash']);

    await crash.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the crashed server key expires', async () => (await keys(config)).every((k) => !k.endsWith(`:${crashPort}`)), 6000, 100);
    expect(Date.now() - killedAt).toBeLessThan(4500);
    expect(await keys(config)).toEqual([`${config.prefix}${LAB}/127.0.0.1:${a.port}`]);
    expect(await spread(c.whoAnswers, 10)).toEqual({ a: 10 });
  });

  it('keeps calling known servers while etcd is down, and catches up once it is back', async () => {
    const config = etcdConfig(etcd);
    await lab('a', config);
    const b = await lab('b', config);
    const c = client(config);
    await warm(c.whoAnswers, ['a', 'b']);

    await etcd.stop();
    expect(await spread(c.whoAnswers, 10)).toEqual({ a: 5, b: 5 });
    // A server cannot register while etcd is down: its start fails (here, a process that exits 1 and says why).
    const late = childLab('late', config);
    children.push(late);
    await expect(late.ready).rejects.toThrow(/cannot register .*etcd at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    expect(await late.exited).toBe(1);
    expect(await spread(c.whoAnswers, 10)).toEqual({ a: 5, b: 5 });

    await etcd.restart();
    // The client's watch reconnects and lists again: a server registered now is called, one that leaves is dropped.
    const d = await lab('d', config);
    const registeredAt = Date.now();
    await until('d answers after etcd came back', async () => (await c.whoAnswers()) === 'd', 5000, 0);
    expect(Date.now() - registeredAt).toBeLessThan(2500);
    await b.shutdown(0);
    servers.splice(servers.indexOf(b), 1);
    await warm(c.whoAnswers, ['a', 'd']);
    expect(await spread(c.whoAnswers, 10)).toEqual({ a: 5, d: 5 });
    expect(await keys(config)).toHaveLength(2);
    expect(d.port).toBeGreaterThan(0);
  });
});
