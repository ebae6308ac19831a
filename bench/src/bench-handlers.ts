import type { BenchReply, BenchRequest } from './bench-definition';

const MAX_REPLIES = 10_000;
const MAX_REPLY_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const payloads = new Map<number, Buffer>();

function payloadOf(bytes: number): Buffer {
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
 * `reply_bytes` payload each (both capped).
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
};
