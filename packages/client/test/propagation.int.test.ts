import { Code, RpcError } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import { type LastHop, until } from '@switchboard/test-support';
import { caller, hop } from './chain';

describe('deadlines and cancellation flow through a chain A → B → C by themselves', () => {
  const seen = new Map<string, LastHop>();
  let servers: RunningServer[] = [];
  let a: ReturnType<typeof caller>;

  async function chain(bOverrides: object = {}, aOverrides: object = {}): Promise<void> {
    const c = await hop('C', seen);
    const b = await hop('B', seen, c.port, bOverrides);
    const first = await hop('A', seen, b.port, aOverrides);
    servers = [first, b, c];
    a = caller(first.port);
  }
  afterEach(async () => {
    a.close();
    for (const s of servers) await s.shutdown(0);
    seen.clear();
  });

  it('gives C the deadline the caller of A set, less the time spent', async () => {
    await chain();
    const reply = await a.stub.Forward({ hops: 2, id: 'd1' }, { deadlineMs: 1000 });
    expect(reply.path).toEqual(['A', 'B', 'C']);
    expect(reply.remaining_ms).toBeGreaterThan(700);
    expect(reply.remaining_ms).toBeLessThanOrEqual(1000);
  });

  it('ends C with DEADLINE_EXCEEDED when that deadline passes, and the caller too', async () => {
    await chain();
    const started = Date.now();
    const error = await a.stub.Forward({ hops: 2, id: 'd2', sleep_ms: 10000 }, { deadlineMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1500);
    await until(() => seen.get('d2')?.abortedAt !== undefined);
    const c = seen.get('d2')!;
    expect((c.reason as RpcError).code).toBe(Code.DEADLINE_EXCEEDED);
    expect(c.abortedAt! - started).toBeGreaterThanOrEqual(900);
    expect(c.abortedAt! - started).toBeLessThan(1200);
  });

  it("cancels C's handler within 100 ms of the caller cancelling A", async () => {
    await chain();
    const controller = new AbortController();
    const call = a.stub.Forward({ hops: 2, id: 'c1', sleep_ms: 10000 }, { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => seen.has('c1'));
    const cancelledAt = Date.now();
    controller.abort();
    expect(((await call) as RpcError).code).toBe(Code.CANCELLED);
    await until(() => seen.get('c1')?.abortedAt !== undefined);
    const c = seen.get('c1')!;
    expect((c.reason as RpcError).code).toBe(Code.CANCELLED);
    expect(c.abortedAt! - cancelledAt).toBeLessThan(100);
  });

  it('takes the smaller of the incoming and the configured deadline', async () => {
    await chain({ deadlineMs: 300 });
    const reply = await a.stub.Forward({ hops: 2, id: 'm1' }, { deadlineMs: 5000 });
    expect(reply.remaining_ms).toBeLessThanOrEqual(300);
    expect(reply.remaining_ms).toBeGreaterThan(100);
  });

  it('lets a client opt out with propagateDeadline: false', async () => {
    await chain({ propagateDeadline: false });
    const reply = await a.stub.Forward({ hops: 2, id: 'o1' }, { deadlineMs: 1000 });
    expect(reply.path).toEqual(['A', 'B', 'C']);
    expect(reply.remaining_ms).toBe(-1);
  });

  it('never lets a call inherit the deadline of another running at the same time', async () => {
    await chain();
    // Far apart, so that a slow machine cannot blur them: a long call that inherited a short one's
    // deadline would see at most 3000 ms left, a short one that inherited a long one's more than 3000.
    const deadlines = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 3000 : 30000));
    const replies = await Promise.all(deadlines.map((ms, i) => a.stub.Forward({ hops: 2, id: `p${i}`, sleep_ms: 20 }, { deadlineMs: ms })));
    replies.forEach((reply, i) => {
      const own = deadlines[i]!;
      expect(reply.remaining_ms).toBeLessThanOrEqual(own);
      expect(reply.remaining_ms).toBeGreaterThan(own - 2500);
    });
  });
});
