import type { IncomingHttpHeaders } from 'node:http2';

/** The longest delay a Node timer holds, in ms (2^31 - 1); longer ones fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a timeout beyond a timer's reach is read as: the longest one a timer holds, in whole seconds. */
const FAR_AWAY = `${Math.floor(MAX_TIMER_MS / 1000)}S`;

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * Bounds a request's `grpc-timeout` header (PROTOCOL-HTTP2: up to 8 digits
 * and a unit, so up to ~11,000 years) to what a timer can hold, before
 * grpc-js reads it. grpc-js 1.14 truncates the timeout to 32 bits: a 25-49
 * day deadline arrives negative (DEADLINE_EXCEEDED at once) and a longer one
 * wraps to an arbitrary short one. A deadline past ~24.8 days is far away;
 * it is read as ~24.8 days. A malformed value is left for grpc-js, which
 * answers INTERNAL.
 * @internal
 */
export function boundGrpcTimeout(headers: IncomingHttpHeaders): void {
  const value = headers['grpc-timeout'];
  if (typeof value !== 'string') return;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (match === null) return;
  if (Number(match[1]) * (UNIT_MS[match[2]!] ?? 0) > MAX_TIMER_MS) headers['grpc-timeout'] = FAR_AWAY;
}
