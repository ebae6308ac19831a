import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Etcd3 } from 'etcd3';
import { Lab, spawnTsChild } from '@switchboard/test-support';
import { etcdConfig, startEtcd, until, type EtcdProcess } from './etcd-process';

interface LogLine {
  readonly msg: string;
  readonly primary?: boolean;
  readonly worker?: number;
  readonly pid?: number;
  readonly [key: string]: unknown;
}

describe('etcd registration with server.workers: 2', () => {
  let etcd: EtcdProcess;
  let kv: Etcd3;

  beforeAll(async () => {
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.clientUrl });
  });
  afterAll(async () => {
    kv.close();
    await etcd.stop();
  });

  it('registers the address once, from the primary; a replaced worker leaves it registered; SIGTERM deregisters it before the workers drain', async () => {
    const config = etcdConfig(etcd, { leaseTtlSec: 2 });
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-etcd-workers-'));
    fs.writeFileSync(path.join(configDir, 'default.json'), JSON.stringify({ resolvers: { etcd: config } }));
    const child = spawnTsChild(path.join(__dirname, 'workers-lab.ts'), { configDir, env: { WORKERS: '2', PORT: '0' } });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    // 'close', not 'exit': every line the primary and its workers wrote has been read by then.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const lines = (): LogLine[] =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
    try {
      // Each process logs asynchronously (pino): the primary's line and both workers' own, in any order.
      const listening = () => lines().filter((l) => l.msg === 'listening').length;
      await until('every worker listening', () => lines().some((l) => l.msg === 'workers listening') && listening() === 2, 20_000);
      const port = Number(String(lines().find((l) => l.msg === 'workers listening')!['address']).split(':')[1]);
      const key = `${config.prefix}${Lab.fullName}/127.0.0.1:${port}`;
      const registered = () => lines().filter((l) => l.msg === 'registered in etcd');
      expect(Object.keys(await kv.getAll().prefix(config.prefix).strings())).toEqual([key]);
      expect(registered()).toHaveLength(1);
      expect(registered()[0]!.primary).toBe(true);
      const lease = (await kv.get(key).exec()).kvs[0]!.lease;

      const victim = lines().find((l) => l.msg === 'listening' && l.worker === 1)!;
      process.kill(victim.pid!, 'SIGKILL');
      await until('a replacement worker listening', () => lines().some((l) => l.msg === 'listening' && l.worker === 3), 20_000);
      // Still the one key, under the primary's lease, which is alive: nothing of it died with the worker.
      expect((await kv.get(key).exec()).kvs.map((entry) => entry.lease)).toEqual([lease]);
      expect(Number((await kv.leaseClient.leaseTimeToLive({ ID: lease })).TTL)).toBeGreaterThan(0);
      expect(registered()).toHaveLength(1);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await kv.getAll().prefix(config.prefix).keys()).toEqual([]);
      // By the lines' times, since each process logs asynchronously.
      const deregistered = lines().find((l) => l.msg === 'deregistered from etcd');
      const drains = lines().filter((l) => l.msg === 'shutting down');
      expect(deregistered?.primary).toBe(true);
      expect(drains).toHaveLength(2);
      for (const drain of drains) expect(drain['time']).toBeGreaterThanOrEqual(deregistered!['time'] as number);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
