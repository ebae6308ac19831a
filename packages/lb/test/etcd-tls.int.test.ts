import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SwitchboardError, loadConfig, serverConfigSchema } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import { etcdConfigSchema, registerEtcdResolver, type EtcdConfig } from '../src/etcd/index';
import { labClient, spread } from './backends';
import { etcdConfig, registeredLab, startEtcd, type EtcdProcess } from './etcd-process';
import { makeCertificates, type TestCertificates } from '@switchboard/test-support';

const LAB = 'switchboard.lab.Lab';

let certs: TestCertificates;
let etcd: EtcdProcess;
const servers: RunningServer[] = [];
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  certs = makeCertificates();
  // Client certificates required (--client-cert-auth): a client with only the CA is refused.
  etcd = await startEtcd({
    certFile: certs.serverCert,
    keyFile: certs.serverKey,
    clientCaFile: certs.caCert,
    caFile: certs.caCert,
    client: { certFile: certs.clientCert, keyFile: certs.clientKey },
  });
});
afterEach(async () => {
  for (const close of cleanups.splice(0)) close();
  await Promise.all(servers.splice(0).map((s) => s.shutdown(0)));
});
afterAll(async () => {
  await etcd?.kill();
  certs?.remove();
});

const mutualTls = () => ({ caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey });

describe('etcd over TLS (resolvers.etcd.tls, https:// endpoints)', () => {
  it('registers a server and resolves it for a client, both with a client certificate', async () => {
    const config: EtcdConfig = etcdConfig(etcd, { tls: mutualTls() });
    expect(config.endpoints[0]).toMatch(/^https:\/\//);
    const server = await registeredLab('a', config);
    servers.push(server);
    registerEtcdResolver(config);
    const client = labClient(`etcd:///${LAB}`);
    cleanups.push(client.close);
    expect(await spread(client.whoAnswers, 3)).toEqual({ a: 3 });
  });

  it('fails the start, naming etcd and the reason, without a client certificate', async () => {
    const config = etcdConfig(etcd, { tls: { caFile: certs.caCert, certFile: '', keyFile: '' } });
    const error = await registeredLab('b', config).then(
      (s) => {
        servers.push(s);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as Error).message).toMatch(`etcd at ${etcd.clientUrl} is unreachable or failing`);
  });

  it('refuses a CA it does not trust: the registration fails', async () => {
    const config = etcdConfig(etcd, { tls: { ...mutualTls(), caFile: certs.otherCaCert } });
    await expect(registeredLab('c', config)).rejects.toThrow(`etcd at ${etcd.clientUrl} is unreachable or failing`);
  });
});

describe('resolvers.etcd.tls config', () => {
  const load = (etcdKeys: object) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-etcd-tls-'));
    fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify({ resolvers: { etcd: etcdKeys } }));
    return loadConfig({ ...serverConfigSchema, ...etcdConfigSchema }, { argv: [], env: {}, configDir: dir }).resolvers.etcd;
  };

  it('accepts https:// endpoints and refuses a list that mixes them with http://', () => {
    expect(load({ endpoints: ['https://127.0.0.1:2379'] }).endpoints).toEqual(['https://127.0.0.1:2379']);
    expect(() => load({ endpoints: ['https://127.0.0.1:2379', 'http://127.0.0.1:2380'] })).toThrow('resolvers.etcd.endpoints: mixes http:// and https:// URLs');
  });

  it('names the key and the file of a file that cannot be read, before any etcd client exists', () => {
    const missing = path.join(certs.dir, 'missing.pem');
    const config = etcdConfig(etcd, { tls: { ...mutualTls(), caFile: missing } });
    expect(() => registerEtcdResolver(config)).toThrow(`resolvers.etcd.tls.caFile: cannot read ${missing}`);
  });

  it('names both files when the key does not match the certificate', () => {
    const config = etcdConfig(etcd, { tls: { ...mutualTls(), keyFile: certs.strayKey } });
    expect(() => registerEtcdResolver(config)).toThrow(`resolvers.etcd.tls.keyFile: the key in ${certs.strayKey} does not match the certificate`);
  });

  it('refuses tls files with http:// endpoints', () => {
    const config = etcdConfig({ clientUrl: 'http://127.0.0.1:2379' }, { tls: mutualTls() });
    expect(() => registerEtcdResolver(config)).toThrow('resolvers.etcd.tls.caFile: set, but resolvers.etcd.endpoints are http://');
  });
});
