import * as grpc from '@grpc/grpc-js';
import { defineModule } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { etcdConfigSchema, type EtcdConfig } from '../src/etcd/index';
import { Lookaside, lookasideModule, lookasideReporter, registerLookasideResolver } from '../src/lookaside/index';
import { labClient, spread } from './backends';
import { etcdConfig, registeredLab, startEtcd, until, type EtcdProcess } from './etcd-process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const LAB = 'switchboard.lab.Lab';

type Unary = (req: object, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: { address?: string }) => void) => void;
const LookasideClient = grpc.makeClientConstructor(Lookaside.definition, 'Lookaside');

describe('lookaside balancer', () => {
  let etcd: EtcdProcess;
  let config: EtcdConfig;
  let balancer: RunningServer;
  let raw: grpc.Client & { Pick: Unary; Report: Unary };
  const servers: RunningServer[] = [];
  const cleanups: (() => void)[] = [];

  const call = (method: 'Pick' | 'Report', request: object) =>
    new Promise<{ address?: string }>((resolve, reject) =>
      raw[method].call(raw, request, { deadline: Date.now() + 2000 }, (e, r) => (e ? reject(e) : resolve(r!))),
    );
  const lab = async (name: string, extra = [] as Parameters<typeof registeredLab>[3]) => {
    const server = await registeredLab(name, config, {}, extra);
    servers.push(server);
    return server;
  };
  const client = () => {
    const c = labClient(`lookaside://127.0.0.1:${balancer.port}/${LAB}`);
    cleanups.push(c.close);
    return c;
  };

  beforeAll(async () => {
    etcd = await startEtcd();
    config = etcdConfig(etcd);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-lookaside-'));
    fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify({ resolvers: { etcd: config } }));
    // The balancer as a server of its own: the etcd keys and the lookaside module, nothing else.
    balancer = await startServer({
      modules: [defineModule({ name: 'balancer', config: etcdConfigSchema, services: [] }), lookasideModule()],
      config: { argv: [], env: { PORT: '0' }, configDir: dir },
      logger: pino({ level: 'silent' }),
    });
    raw = new LookasideClient(`127.0.0.1:${balancer.port}`, grpc.credentials.createInsecure()) as unknown as typeof raw;
    registerLookasideResolver({ pickIntervalMs: 200 });
  });
  afterEach(async () => {
    for (const close of cleanups.splice(0)) close();
    await Promise.all(servers.splice(0).map((s) => s.shutdown(0)));
  });
  afterAll(async () => {
    raw?.close();
    await balancer?.shutdown(0);
    await etcd?.kill();
  });

  it('answers Pick with the least-loaded registered server, and clients call it directly; reports move them', async () => {
    const a = await lab('a');
    const b = await lab('b');
    await call('Report', { address: `127.0.0.1:${a.port}`, inflight: 0, latency_ms: 5 });
    await call('Report', { address: `127.0.0.1:${b.port}`, inflight: 20, latency_ms: 5 });
    expect(await call('Pick', { service: LAB })).toEqual({ address: `127.0.0.1:${a.port}` });

    const c = client();
    expect(await spread(c.whoAnswers, 10)).toEqual({ a: 10 });

    await call('Report', { address: `127.0.0.1:${a.port}`, inflight: 20, latency_ms: 5 });
    await call('Report', { address: `127.0.0.1:${b.port}`, inflight: 0, latency_ms: 5 });
    const waited = await until('the client moves to b', async () => (await c.whoAnswers()) === 'b', 3000, 20);
    expect(waited).toBeLessThan(1000);
    expect(await spread(c.whoAnswers, 10)).toEqual({ b: 10 });
  });

  it('learns load from the servers themselves (lookasideReporter): a busy server is passed over', async () => {
    const reporter = () => lookasideReporter({ balancer: `127.0.0.1:${balancer.port}`, intervalMs: 50 });
    const a = await lab('a', [reporter()]);
    await lab('b', [reporter()]);
    // Keep three slow calls running on a.
    const direct = labClient(`127.0.0.1:${a.port}`);
    cleanups.push(direct.close);
    const forward = (direct.client as unknown as { Forward: (r: object, o: grpc.CallOptions, cb: () => void) => void }).Forward.bind(direct.client);
    const slow = Array.from({ length: 3 }, () => new Promise<void>((r) => forward({ hops: 0, sleep_ms: 1500 }, { deadline: Date.now() + 5000 }, () => r())));
    await new Promise((r) => setTimeout(r, 200));

    const c = client();
    expect(await spread(c.whoAnswers, 5)).toEqual({ b: 5 });
    await Promise.all(slow);
  });

  it('fails Pick (and calls) at once with UNAVAILABLE when nothing is registered', async () => {
    const error = (await call('Pick', { service: 'no.Such' }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain(`no endpoints registered under '${config.prefix}no.Such/'`);

    const c = labClient(`lookaside://127.0.0.1:${balancer.port}/no.Such`);
    cleanups.push(c.close);
    const started = Date.now();
    const failed = (await c.whoAnswers(5000).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(failed.code).toBe(grpc.status.UNAVAILABLE);
    expect(failed.details).toContain('no endpoints registered');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
