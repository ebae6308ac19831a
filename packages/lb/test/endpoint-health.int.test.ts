import * as grpc from '@grpc/grpc-js';
import { installLb } from '../src/index';
import { decodeResponse, encodeRequest } from '../src/policies/health-watch';
import { POLICY_NAMES, parsePolicyOptions, registerPolicies } from '../src/policies/index';
import { healthBackends, labClient, spread, warm, type HealthBackend } from './backends';

installLb();
registerPolicies();

const HEALTH = { healthCheck: { serviceName: '' } };

/** Calls until `done(name)` holds for `streak` answers in a row; fails after `ms`. */
async function until(whoAnswers: () => Promise<string>, done: (name: string) => boolean, streak: number, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let run = 0; run < streak;) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    run = done(await whoAnswers()) ? run + 1 : 0;
  }
}

/** Waits until `condition()` holds; fails after `ms`. */
async function eventually(condition: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(Object.values(POLICY_NAMES))('%s with healthCheck', (policy) => {
  let servers: HealthBackend[] = [];
  let lab: ReturnType<typeof labClient> | undefined;
  beforeEach(async () => {
    servers = await healthBackends(3);
  });
  afterEach(async () => {
    lab?.close();
    lab = undefined;
    for (const s of servers) await s.stop();
  });
  const target = () => `static:///${servers.map((s) => s.address).join(',')}`;

  it('sends no call to an endpoint while it is NOT_SERVING, and calls it again once SERVING', async () => {
    const [, h1] = servers as [HealthBackend, HealthBackend, HealthBackend];
    lab = labClient(target(), policy, { lbConfig: HEALTH });
    await warm(lab.whoAnswers, ['h0', 'h1', 'h2']);

    h1.setServing(false);
    await until(lab.whoAnswers, (name) => name !== 'h1', 10, 'h1 out of rotation');
    const out = await spread(lab.whoAnswers, 60);
    expect(out['h1']).toBeUndefined();
    expect((out['h0'] ?? 0) + (out['h2'] ?? 0)).toBe(60);

    h1.setServing(true);
    await until(lab.whoAnswers, (name) => name === 'h1', 1, 'h1 back in rotation');
    // Its share, where the policy promises one: p2c, with one call at a time,
    // favours the endpoint with the lowest latency (and visits the others once a second).
    if (policy !== POLICY_NAMES.p2c) {
      const back = await spread(lab.whoAnswers, 60);
      expect(back['h1'] ?? 0).toBeGreaterThanOrEqual(8); // expected 20: exactly (wrr), or binomially (least_request's random pairs)
    }
  });

  it('fails calls at once with the reason while no endpoint is SERVING; a waitForReady call waits for one', async () => {
    lab = labClient(target(), policy, { lbConfig: HEALTH });
    await warm(lab.whoAnswers, ['h0', 'h1', 'h2']);
    for (const s of servers) s.setServing(false);
    let error: grpc.ServiceError | undefined;
    const deadline = Date.now() + 2000;
    while (error === undefined && Date.now() < deadline)
      error = (await lab.whoAnswers().then(
        () => undefined,
        (e: unknown) => e,
      )) as grpc.ServiceError | undefined;
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toMatch(new RegExp(`${policy}: no endpoint is ready .*127\\.0\\.0\\.1:\\d+ is NOT_SERVING`));

    const waiting = lab.whoAnswers(3000, {}, { waitForReady: true });
    await new Promise((r) => setTimeout(r, 50));
    servers[2]!.setServing(true);
    await expect(waiting).resolves.toBe('h2');
  });

  it('holds one Watch stream per endpoint and closes them with the channel', async () => {
    lab = labClient(target(), policy, { lbConfig: HEALTH });
    await warm(lab.whoAnswers, ['h0', 'h1', 'h2']);
    await eventually(() => servers.every((s) => s.watchers === 1), 'one Watch per endpoint');
    lab.close();
    await eventually(() => servers.every((s) => s.watchers === 0), 'Watch streams closed');
  });
});

describe('endpoint health', () => {
  let servers: HealthBackend[] = [];
  afterEach(async () => {
    for (const s of servers) await s.stop();
  });

  it('counts an endpoint without a health service (UNIMPLEMENTED) as SERVING, as gRFC A17 says', async () => {
    servers = await healthBackends(2, { health: false });
    const lab = labClient(`static:///${servers.map((s) => s.address).join(',')}`, POLICY_NAMES.p2c, { lbConfig: HEALTH });
    try {
      await warm(lab.whoAnswers, ['h0', 'h1']);
    } finally {
      lab.close();
    }
  });

  it('opens no Watch stream without healthCheck in the config', async () => {
    servers = await healthBackends(2);
    const lab = labClient(`static:///${servers.map((s) => s.address).join(',')}`, POLICY_NAMES.least_request);
    try {
      await warm(lab.whoAnswers, ['h0', 'h1']);
      servers[0]!.setServing(false);
      expect(await spread(lab.whoAnswers, 10)).toEqual({ h0: 5, h1: 5 });
      expect(servers.map((s) => s.watchers)).toEqual([0, 0]);
    } finally {
      lab.close();
    }
  });

  it('validates the config (grpc-js itself only logs a bad one and falls back to pick_first)', () => {
    expect(parsePolicyOptions({ healthCheck: {} })).toEqual({ healthCheck: { serviceName: '' }, choiceCount: 2, decayMs: 600 });
    expect(parsePolicyOptions(undefined)).toEqual({ choiceCount: 2, decayMs: 600 });
    expect(() => parsePolicyOptions({ healthCheck: { serviceName: 7 } })).toThrow('healthCheck must be');
    expect(() => parsePolicyOptions({ choiceCount: 1 })).toThrow('choiceCount must be an integer ≥ 2');
    expect(() => parsePolicyOptions({ decayMs: 0 })).toThrow('decayMs must be a positive number');
  });

  it('encodes and decodes the two health messages by hand', () => {
    expect(encodeRequest('')).toEqual(Buffer.alloc(0));
    expect(encodeRequest('a.B')).toEqual(Buffer.from([0x0a, 3, 0x61, 0x2e, 0x42]));
    expect(decodeResponse(Buffer.from([0x08, 0x01]))).toBe(1);
    expect(decodeResponse(Buffer.from([0x08, 0x02]))).toBe(2);
    expect(decodeResponse(Buffer.alloc(0))).toBe(0);
    // An unknown length-delimited field 2 is skipped.
    expect(decodeResponse(Buffer.from([0x12, 0x02, 0x68, 0x69, 0x08, 0x01]))).toBe(1);
    expect(() => decodeResponse(Buffer.from([0x08]))).toThrow('malformed');
  });
});
