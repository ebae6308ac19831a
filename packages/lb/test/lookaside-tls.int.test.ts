import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { defineModule, observe, type ClientTlsFiles } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { etcdConfigSchema, type EtcdConfig } from '../src/etcd/index';
import { lookasideModule, lookasideReporter, registerLookasideResolver } from '../src/lookaside/index';
import { labClient, spread } from './backends';
import { etcdConfig, registeredLab, startEtcd, until, type EtcdProcess } from './etcd-process';
import { makeCertificates, type TestCertificates } from '@switchboard/test-support';

const LAB = 'switchboard.lab.Lab';

describe('a lookaside balancer that requires mTLS', () => {
  let certs: TestCertificates;
  let etcd: EtcdProcess;
  let config: EtcdConfig;
  let balancer: RunningServer;
  const servers: RunningServer[] = [];
  /** How many load reports the balancer received, by reporting address. */
  const reportsFrom = new Map<string, number>();
  const recordReports = observe({
    onRequest: (message, call) => {
      const { address } = message as { address: string };
      if (call.method.name === 'Report') reportsFrom.set(address, (reportsFrom.get(address) ?? 0) + 1);
    },
  });
  const cleanups: (() => void)[] = [];
  const mtls = (): ClientTlsFiles => ({ caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey, serverName: '' });

  beforeAll(async () => {
    certs = makeCertificates();
    etcd = await startEtcd();
    config = etcdConfig(etcd);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-lookaside-tls-'));
    const tls = { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert, clientAuth: 'require' };
    fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify({ resolvers: { etcd: config }, server: { tls } }));
    balancer = await startServer({
      modules: [defineModule({ name: 'balancer', config: etcdConfigSchema, services: [] }), lookasideModule()],
      interceptors: [recordReports],
      config: { argv: [], env: { PORT: '0' }, configDir: dir },
      logger: pino({ level: 'silent' }),
    });
  });
  afterEach(async () => {
    for (const close of cleanups.splice(0)) close();
    await Promise.all(servers.splice(0).map((s) => s.shutdown(0)));
  });
  afterAll(async () => {
    await balancer?.shutdown(0);
    await etcd?.kill();
    certs?.remove();
    registerLookasideResolver();
  });

  it('is asked over mTLS by clients given resolvers.lookaside.tls, which then call the backend it picks', async () => {
    const a = await registeredLab('a', config);
    servers.push(a);
    registerLookasideResolver({ pickIntervalMs: 200, tls: mtls() });
    const c = labClient(`lookaside://127.0.0.1:${balancer.port}/${LAB}`);
    cleanups.push(c.close);
    expect(await spread(c.whoAnswers, 3)).toEqual({ a: 3 });
  });

  it('is not reached in plaintext: calls fail with UNAVAILABLE naming the balancer', async () => {
    servers.push(await registeredLab('a', config));
    registerLookasideResolver({ pickIntervalMs: 200 });
    const c = labClient(`lookaside://127.0.0.1:${balancer.port}/${LAB}`);
    cleanups.push(c.close);
    await expect(c.whoAnswers()).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringContaining(`lookaside balancer at 127.0.0.1:${balancer.port}`),
    });
  });

  it('hears load reports sent over mTLS (lookasideReporter with tls)', async () => {
    const a = await registeredLab('a', config, {}, [lookasideReporter({ balancer: `127.0.0.1:${balancer.port}`, intervalMs: 50, tls: mtls() })]);
    servers.push(a);
    await until('a report from a reaches the balancer', () => (reportsFrom.get(`127.0.0.1:${a.port}`) ?? 0) > 0, 3000, 10);
  });

  it('hears no report from a reporter in plaintext, while one with tls reports', async () => {
    const plain = await registeredLab('a', config, {}, [lookasideReporter({ balancer: `127.0.0.1:${balancer.port}`, intervalMs: 50 })]);
    const secure = await registeredLab('b', config, {}, [lookasideReporter({ balancer: `127.0.0.1:${balancer.port}`, intervalMs: 50, tls: mtls() })]);
    servers.push(plain, secure);
    await until('five reports from the reporter with tls', () => (reportsFrom.get(`127.0.0.1:${secure.port}`) ?? 0) >= 5, 3000, 10);
    expect(reportsFrom.get(`127.0.0.1:${plain.port}`)).toBeUndefined();
  });
});
