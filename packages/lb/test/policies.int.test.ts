import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { installLb, registerResolver } from '../src/index';
import { POLICY_NAMES, registerPolicies } from '../src/policies/index';
import { backends, labClient, spread, warm, type Backend } from './backends';
import { freePort } from '@switchboard/test-support';

installLb();
registerPolicies();

type Lab = ReturnType<typeof labClient>;

/** Runs `n` calls with `concurrency` callers; counts who answered and keeps the errors. */
async function run(n: number, concurrency: number, call: (i: number) => Promise<string>) {
  const counts: Record<string, number> = {};
  const errors: unknown[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        try {
          const name = await call(i);
          counts[name] = (counts[name] ?? 0) + 1;
        } catch (error) {
          errors.push(error);
        }
      }
    }),
  );
  return { counts, errors };
}

function expectWithin(actual: number | undefined, expected: number, tolerance = 0.1): void {
  expect(actual ?? 0).toBeGreaterThanOrEqual(Math.floor(expected * (1 - tolerance)));
  expect(actual ?? 0).toBeLessThanOrEqual(Math.ceil(expected * (1 + tolerance)));
}

describe('balancing policies', () => {
  let servers: Backend[] = [];
  let lab: Lab | undefined;
  beforeAll(async () => {
    servers = await backends(3);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });
  afterEach(() => {
    lab?.close();
    lab = undefined;
  });

  it('registers under names of its own, once', () => {
    expect(POLICY_NAMES).toEqual({
      weighted_round_robin: 'switchboard_weighted_round_robin',
      least_request: 'switchboard_least_request',
      p2c: 'switchboard_p2c',
    });
    expect(() => registerPolicies()).not.toThrow();
  });

  it("round_robin (grpc-js's, for the record) spreads 300 calls over 3 backends within ±10 %", async () => {
    lab = labClient(`static:///${servers.map((s) => s.address).join(',')}`, 'round_robin');
    await warm(lab.whoAnswers, ['b0', 'b1', 'b2']);
    const counts = await spread(lab.whoAnswers, 300);
    for (const name of ['b0', 'b1', 'b2']) expectWithin(counts[name], 100);
  });

  it('weighted_round_robin gives weights 3:1 from a file resolver, and follows a weight edit', async () => {
    const [a, b] = servers as [Backend, Backend];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-wrr-'));
    const file = path.join(dir, 'endpoints.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { address: a.address, weight: 3 },
        { address: b.address, weight: 1 },
      ]),
    );
    lab = labClient(`file://${file}`, POLICY_NAMES.weighted_round_robin);
    await warm(lab.whoAnswers, ['b0', 'b1']);
    const counts = await spread(lab.whoAnswers, 400);
    expectWithin(counts['b0'], 300);
    expectWithin(counts['b1'], 100);

    fs.writeFileSync(
      file,
      JSON.stringify([
        { address: a.address, weight: 1 },
        { address: b.address, weight: 3 },
      ]),
    );
    const deadline = Date.now() + 3000;
    for (let recent = await spread(lab.whoAnswers, 8); (recent['b1'] ?? 0) < 6; recent = await spread(lab.whoAnswers, 8)) {
      if (Date.now() > deadline) throw new Error(`the weight edit did not reach the picker in 3 s: ${JSON.stringify(recent)}`);
    }
    const after = await spread(lab.whoAnswers, 200);
    expectWithin(after['b0'], 50);
    expectWithin(after['b1'], 150);
  });

  it.each(Object.values(POLICY_NAMES))('%s fails calls at once with UNAVAILABLE and the reason when no endpoint can be reached', async (policy) => {
    const dead = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    let resolutions = 0;
    // Answers after a timer, so that a re-resolution storm shows as a count rather than a starved event loop.
    registerResolver(`dead-${policy.replace(/_/g, '-')}`, () => ({
      resolve: async () => {
        resolutions += 1;
        await new Promise((r) => setTimeout(r, 1));
        return dead;
      },
    }));
    lab = labClient(`dead-${policy.replace(/_/g, '-')}:///nowhere`, policy);
    const started = Date.now();
    const error = (await lab.whoAnswers(5000).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toMatch(new RegExp(`${policy}: no endpoint is ready .*unreachable.*ECONNREFUSED`));
    expect(Date.now() - started).toBeLessThan(3000);
    const before = resolutions;
    await new Promise((r) => setTimeout(r, 300));
    expect(resolutions - before).toBeLessThan(5);
  });
});

// 200 ms against 20 ms rather than 20 against 2: client and servers share one
// process, and on a busy 2-core box a call costs from 5 to 25 ms on top of
// its delay, which would hide most of a 2 ms one (least_request then sends
// only ~70 % to the fast one, as it should: it sees only calls in flight).
describe.each([POLICY_NAMES.least_request, POLICY_NAMES.p2c])('%s and a 10× slower backend', (policy) => {
  let servers: Backend[] = [];
  beforeAll(async () => {
    servers = await backends(2, { delaysMs: [200, 20] });
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('sends at least 75 % of 200 calls from 8 callers to the fast backend', async () => {
    const lab = labClient(`static:///${servers.map((s) => s.address).join(',')}`, policy);
    try {
      await warm(lab.whoAnswers, ['b0', 'b1']);
      const { counts, errors } = await run(200, 8, () => lab.whoAnswers());
      expect(errors).toEqual([]);
      expect(counts['b1'] ?? 0).toBeGreaterThanOrEqual(150);
    } finally {
      lab.close();
    }
  });
});

describe.each(Object.values(POLICY_NAMES))('%s when a backend is killed mid-run', (policy) => {
  let servers: Backend[] = [];
  beforeAll(async () => {
    servers = await backends(3);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('loses none of 200 calls with a retry policy on UNAVAILABLE', async () => {
    const lab = labClient(`static:///${servers.map((s) => s.address).join(',')}`, policy, {
      methodConfig: [
        {
          name: [{ service: 'switchboard.lab.Lab' }],
          waitForReady: true,
          retryPolicy: { maxAttempts: 5, initialBackoff: '0.01s', maxBackoff: '0.2s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] },
        },
      ],
    });
    try {
      await warm(lab.whoAnswers, ['b0', 'b1', 'b2']);
      let stopping: Promise<void> | undefined;
      let stoppedAt = Infinity;
      const late: string[] = [];
      const { counts, errors } = await run(200, 8, async (i) => {
        if (i === 50) stopping = servers[1]!.stop().then(() => void (stoppedAt = Date.now()));
        const startedAt = Date.now();
        const name = await lab.whoAnswers(5000, { sleep_ms: 20 });
        if (startedAt > stoppedAt) late.push(name);
        return name;
      });
      await stopping;
      expect(errors).toEqual([]);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(200);
      expect(counts['b1'] ?? 0).toBeGreaterThan(0);
      expect(late).not.toContain('b1');
    } finally {
      lab.close();
    }
  });
});
