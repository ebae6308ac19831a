import { resolve } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import { Lab } from '@switchboard/test-support';
// eslint-disable-next-line import-x/no-relative-packages -- lb's server fixtures import @switchboard/server and lb's sources, so they cannot join test-support (a turbo cycle)
import { etcdConfig, registeredLab, startEtcd, type EtcdProcess } from '../../lb/test/etcd-process';
import { defineClient } from '../src/index';
import { connect } from './chain';

const discovered = defineClient('discovered', Lab);

describe('an injected client with an etcd:/// target', () => {
  let etcd: EtcdProcess;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(() => etcd.stop());

  it('finds servers that register themselves, spreads calls over them, and drops one that shuts down', async () => {
    const registry = etcdConfig(etcd);
    const servers: RunningServer[] = [await registeredLab('e1', registry), await registeredLab('e2', registry)];
    const c = connect([discovered], { discovered: { target: `etcd:///${Lab.fullName}`, balancing: 'round_robin' } }, {}, { resolvers: { etcd: registry } });
    try {
      const lab = resolve(c.container, discovered.token);
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 2; i++) seen.add((await lab.Forward({ hops: 0 })).path[0]!);
      expect([...seen].sort()).toEqual(['e1', 'e2']);
      await servers[0]!.shutdown(0);
      const after: string[] = [];
      for (let i = 0; i < 10; i++) after.push((await lab.Forward({ hops: 0 })).path[0]!);
      expect(new Set(after)).toEqual(new Set(['e2']));
    } finally {
      c.close();
      for (const s of servers) await s.shutdown(0);
    }
  });
});
