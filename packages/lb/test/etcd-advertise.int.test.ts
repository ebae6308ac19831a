import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineModule } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { createLabService, Lab, type LastHop } from '@switchboard/test-support';
import { etcdConfigSchema, etcdRegistration, type EtcdConfig } from '../src/etcd/index';
import { etcdConfig, startEtcd, type EtcdProcess } from './etcd-process';

let etcd: EtcdProcess;
let kv: Etcd3;
const servers: RunningServer[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  kv = new Etcd3({ hosts: etcd.clientUrl });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.shutdown(0)));
});
afterAll(async () => {
  kv?.close();
  await etcd?.kill();
});

/** A Lab server listening on all interfaces, registered in etcd, with `env` as its environment. */
async function lab(etcdConfig: EtcdConfig, env: Record<string, string>, advertiseHost?: string): Promise<RunningServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-etcd-advertise-'));
  fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify({ resolvers: { etcd: etcdConfig } }));
  const module = defineModule({ name: 'lab', config: etcdConfigSchema, services: [createLabService('a', new Map<string, LastHop>())] });
  const server = await startServer({
    modules: [module, etcdRegistration({ services: [Lab.fullName], deregisterSettleMs: 0, ...(advertiseHost ? { advertiseHost } : {}) })],
    config: { argv: [], env: { HOST: '0.0.0.0', PORT: '0', ...env }, configDir: dir },
    logger: pino({ level: 'silent' }),
  });
  servers.push(server);
  return server;
}

const registered = async (config: EtcdConfig): Promise<string[]> => Object.keys(await kv.getAll().prefix(config.prefix).strings());

describe('etcdRegistration behind 0.0.0.0 with resolvers.etcd.advertiseHost (ADVERTISE_HOST, the pod IP on Kubernetes)', () => {
  it('registers the address ADVERTISE_HOST names, over the advertiseHost option and the detected address', async () => {
    const config = etcdConfig(etcd);
    const server = await lab(config, { ADVERTISE_HOST: '10.11.12.13' }, '192.0.2.1');
    expect(await registered(config)).toEqual([`${config.prefix}${Lab.fullName}/10.11.12.13:${server.port}`]);
  });

  it('registers an IPv6 pod IP in brackets', async () => {
    const config = etcdConfig(etcd);
    const server = await lab(config, { ADVERTISE_HOST: 'fd00::5' });
    expect(await registered(config)).toEqual([`${config.prefix}${Lab.fullName}/[fd00::5]:${server.port}`]);
  });

  it('refuses an address with a port, naming the key, the value and where it came from, before anything listens', async () => {
    await expect(lab(etcdConfig(etcd), { ADVERTISE_HOST: '10.0.0.1:50051' })).rejects.toThrow(
      /resolvers\.etcd\.advertiseHost: must be an IP address or a host name, without a port, or empty.*"10\.0\.0\.1:50051".*ADVERTISE_HOST/,
    );
  });
});
