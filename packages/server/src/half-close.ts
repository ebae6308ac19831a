import type { Http2Session } from 'node:http2';
import { Code, RpcError, type GrpcServerCall } from '@switchboard/core';
import type { Abortion } from './abortion';
import { http2StreamOf, wasReset } from './http2-stream-state';

/** How long a reset input waits for grpc-js to report the call's cancellation. */
const RESET_WAIT_MS = 1000;

/**
 * Confirms that the end of a client's request stream is its half-close and
 * not the first half of a cancel. Node's http2 client (so every grpc-js
 * client) cancels a stream whose request side is open by sending END_STREAM
 * and then RST_STREAM, and a busy client writes the two apart: read alone,
 * the END_STREAM says "upload complete". Rather than wait a fixed time for a
 * reset that may follow, the server sends a PING once the END_STREAM is in:
 * the peer has queued its reset by the time it reads the PING, and sends it
 * with the ACK, so the stream is checked one event-loop turn after the ACK.
 * The cost is one round trip on the connection, shared by every stream that
 * ends in the same turn.
 *
 * `extraMs` (`server.halfCloseSettleMs`, 0 by default) adds a fixed wait,
 * for a proxy in front: the round trip then confirms only the proxy's side.
 *
 * Resolves when the end is confirmed; rejects with the abort reason (or
 * CANCELLED) when the stream was reset.
 * @internal
 */
export async function confirmHalfClose(call: GrpcServerCall, abortion: Abortion, extraMs: number): Promise<void> {
  const stream = http2StreamOf(call);
  if (stream?.session !== undefined && !wasReset(stream)) await roundTrip(stream.session, abortion);
  await waitOrAbort(extraMs, abortion);
  if (stream !== undefined && wasReset(stream) && !abortion.aborted) {
    // grpc-js reports the cancel when the stream closes, a moment later.
    await waitOrAbort(RESET_WAIT_MS, abortion);
  }
  if (abortion.abortReason !== undefined) throw abortion.abortReason;
  if (stream !== undefined && wasReset(stream)) throw new RpcError(Code.CANCELLED, 'the client reset the stream');
}

/** The PING each session sends at the next turn, shared by every stream that ends before then. */
const pending = new WeakMap<Http2Session, Promise<void>>();

/**
 * Resolves when a PING sent after this moment is acknowledged, the session
 * fails, or the call aborts. A PING already in flight does not count: it may
 * have crossed the peer's reset.
 */
function roundTrip(session: Http2Session, abortion: Abortion): Promise<void> {
  let ping = pending.get(session);
  if (ping === undefined) {
    ping = new Promise<void>((resolve) => {
      setImmediate(() => {
        pending.delete(session);
        try {
          // A closed session or too many PINGs outstanding resolves at once: the reset check follows.
          if (!session.ping(() => resolve())) resolve();
        } catch {
          resolve();
        }
      });
    });
    pending.set(session, ping);
  }
  if (abortion.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const stop = abortion.onAbort(() => resolve());
    void ping.then(() => {
      stop();
      resolve();
    });
  });
}

/** Waits `ms` (one event-loop turn for 0), or less if the call aborts. */
function waitOrAbort(ms: number, abortion: Abortion): Promise<void> {
  if (abortion.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      if (ms > 0) clearTimeout(timer as NodeJS.Timeout);
      else clearImmediate(timer as NodeJS.Immediate);
      stop();
      resolve();
    };
    const timer: NodeJS.Timeout | NodeJS.Immediate = ms > 0 ? setTimeout(done, ms) : setImmediate(done);
    const stop = abortion.onAbort(done);
  });
}
