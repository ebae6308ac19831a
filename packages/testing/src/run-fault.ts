import { setTimeout as sleep } from 'node:timers/promises';
import type { MethodDescriptor } from '@switchboard/core';
import { cancelledAfter, type Fault } from './fault';

/** The part of a call, server or client, that a fault acts on. */
interface FaultableCall {
  readonly method: MethodDescriptor;
  readonly requests: AsyncIterable<unknown>;
}

/**
 * The call with `fault` applied around the rest of the chain: the delay,
 * then the failure, or the cancel after so many messages. `signal` (a
 * server call's) ends the delay with its reason.
 * @internal
 */
export async function* runFault<C extends FaultableCall>(
  call: C,
  next: (call: C) => AsyncIterable<unknown>,
  fault: Fault,
  failWith: (fault: Fault) => Error,
  signal?: AbortSignal,
): AsyncGenerator<unknown> {
  if (fault.delayMs !== undefined && fault.delayMs > 0) {
    try {
      await sleep(fault.delayMs, undefined, signal ? { signal } : undefined);
    } catch (error) {
      throw signal?.aborted === true ? (signal.reason as Error) : error;
    }
  }
  if (fault.fail !== undefined) throw failWith(fault);
  if (fault.cancelAfter === undefined) {
    yield* next(call);
    return;
  }
  const limit = fault.cancelAfter;
  if (limit === 0) throw cancelledAfter(0);
  if (call.method.kind === 'client_stream') yield* cancelAfterRequests(call, next, limit);
  else yield* cancelAfterResponses(call, next, limit);
}

/** Passes `limit` responses, then stops the rest of the chain (the handler, or the call on the wire) and ends CANCELLED. */
async function* cancelAfterResponses<C extends FaultableCall>(call: C, next: (call: C) => AsyncIterable<unknown>, limit: number): AsyncGenerator<unknown> {
  const responses = next(call)[Symbol.asyncIterator]();
  let passed = 0;
  try {
    for (;;) {
      const result = await responses.next();
      if (result.done === true) return;
      yield result.value;
      if (++passed >= limit) throw cancelledAfter(passed);
    }
  } finally {
    // Ending early: the handler stops, or the call on the wire is cancelled; how that ends is not this call's outcome.
    await responses.return?.().catch(() => undefined);
  }
}

/**
 * Passes `limit` requests; the next pull of the request stream fails
 * CANCELLED, as a client's cancel looks to a handler, and the call ends
 * CANCELLED whatever the rest of the chain makes of it.
 */
async function* cancelAfterRequests<C extends FaultableCall>(call: C, next: (call: C) => AsyncIterable<unknown>, limit: number): AsyncGenerator<unknown> {
  let passed = 0;
  let tripped = false;
  const requests = call.requests;
  async function* counted(): AsyncGenerator<unknown> {
    for await (const message of requests) {
      yield message;
      if (++passed >= limit) {
        tripped = true;
        throw cancelledAfter(passed);
      }
    }
  }
  try {
    for await (const response of next({ ...call, requests: counted() })) {
      if (tripped) break;
      yield response;
    }
  } catch (error) {
    if (!tripped) throw error;
  }
  if (tripped) throw cancelledAfter(passed);
}
