import type { BenchReply, BenchRequest } from './bench-definition';

const MAX_REPLIES = 10_000;
const MAX_REPLY_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const payloads = new Map<number, Buffer>();

/** A shared buffer of `bytes` (capped at 64 KiB) for payloads on either side. */
export function payloadOf(bytes: number): Buffer {
  const size = Math.min(Math.max(0, bytes), MAX_REPLY_BYTES);
  let payload = payloads.get(size);
  if (payload === undefined) {
    payload = Buffer.alloc(size, 0x61);
    payloads.set(size, payload);
  }
  return payload;
}

/**
 * The work both servers do, so that they differ only in what wraps it:
 * `unary` echoes the message, `stream` produces `count` replies of
 * `reply_bytes` payload each (both capped), `uploaded` answers a client
 * stream with the number of requests, `echo` answers one bidi request (the
 * raw server calls these two per message event; the frameworks use `upload`
 * and `echoEach`, the same over an async iterable).
 */
export const benchHandlers = {
  unary(request: BenchRequest): BenchReply {
    return { message: request.message, index: 0, payload: EMPTY };
  },

  *stream(request: BenchRequest): Generator<BenchReply> {
    const payload = payloadOf(request.reply_bytes);
    const count = Math.min(Math.max(0, request.count), MAX_REPLIES);
    for (let index = 0; index < count; index++) yield { message: request.message, index, payload };
  },

  /** The reply to a client stream of `count` requests, the last of which was `last`. */
  uploaded(last: BenchRequest | undefined, count: number): BenchReply {
    return { message: last?.message ?? '', index: count, payload: EMPTY };
  },

  /** The reply to the `index`-th request of a bidi call. */
  echo(request: BenchRequest, index: number): BenchReply {
    return { message: request.message, index, payload: payloadOf(request.reply_bytes) };
  },

  /** `uploaded` over a client stream read with `for await`, as the framework servers read it. */
  async upload(requests: AsyncIterable<BenchRequest>): Promise<BenchReply> {
    let count = 0;
    let last: BenchRequest | undefined;
    for await (const request of requests) {
      count++;
      last = request;
    }
    return benchHandlers.uploaded(last, count);
  },

  /** `echo` for each request of a bidi stream read with `for await`. */
  async *echoEach(requests: AsyncIterable<BenchRequest>): AsyncGenerator<BenchReply> {
    let index = 0;
    for await (const request of requests) yield benchHandlers.echo(request, index++);
  },
};
