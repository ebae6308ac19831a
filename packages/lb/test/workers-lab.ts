import { defineModule } from '@switchboard/core';
import { runMain } from '@switchboard/server';
import { createLabService, Lab, type LastHop } from '@switchboard/test-support';
import { etcdConfigSchema, etcdRegistration } from '../src/etcd/index';

/**
 * The child's side of the workers-and-etcd test (run with `spawnTsChild`):
 * `runMain` of a Lab server registered in etcd, with config from `configDir`
 * and `env` (WORKERS, PORT), as a deployment's entry point runs it. Its
 * node:cluster workers run this again.
 */
export function childMain({ configDir, env }: { configDir: string; env: Record<string, string> }): void {
  const lab = defineModule({ name: 'lab', config: etcdConfigSchema, services: [createLabService('lab', new Map<string, LastHop>())] });
  void runMain({
    modules: [lab, etcdRegistration({ services: [Lab.fullName], deregisterSettleMs: 200 })],
    config: { argv: [], env, configDir },
  });
}
