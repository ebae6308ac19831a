import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolve, SwitchboardError } from '@switchboard/core';
import { Lab } from '@switchboard/test-support';
// eslint-disable-next-line import-x/no-relative-packages -- lb's server fixtures import @switchboard/server and lb's sources, so they cannot join test-support (a turbo cycle)
import { backends, type Backend } from '../../lb/test/backends';
import { defineClient } from '../src/index';
import { connect } from './chain';

const weighted = defineClient('weighted', Lab);

describe('a client balancing policy chosen in config', () => {
  let servers: Backend[] = [];
  beforeAll(async () => {
    servers = await backends(2);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('weighted_round_robin follows the weights the resolver reports (3:1)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-weights-')), 'endpoints.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { address: servers[0]!.address, weight: 3 },
        { address: servers[1]!.address, weight: 1 },
      ]),
    );
    const c = connect([weighted], { weighted: { target: `file://${file}`, balancing: 'weighted_round_robin' } });
    try {
      const lab = resolve(c.container, weighted.token);
      const seen = new Set<string>();
      for (let i = 0; i < 50 && seen.size < 2; i++) seen.add((await lab.Forward({ hops: 0 })).path[0]!);
      const counts: Record<string, number> = {};
      for (let i = 0; i < 400; i++) {
        const name = (await lab.Forward({ hops: 0 })).path[0]!;
        counts[name] = (counts[name] ?? 0) + 1;
      }
      expect(counts['b0']! / 400).toBeGreaterThan(0.675);
      expect(counts['b0']! / 400).toBeLessThan(0.825);
    } finally {
      c.close();
    }
  });

  it('refuses a health check under a policy that cannot take endpoints out', () => {
    const c = () => connect([weighted], { weighted: { target: servers[0]!.address, healthCheck: { enabled: true } } });
    expect(c).toThrow(SwitchboardError);
    expect(c).toThrow('clients.weighted.healthCheck.enabled: needs balancing weighted_round_robin, least_request, p2c: balancing was "pick_first"');
  });
});
