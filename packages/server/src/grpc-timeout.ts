import type { IncomingHttpHeaders } from 'node:http2';

/** The longest delay a Node timer holds, in ms (2^31 - 1); longer ones fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a timeout beyond a timer's reach is read as: the longest one a timer holds, in whole seconds. */
const FAR_AWAY = `${Math.floor(MAX_TIMER_MS / 1000)}S`;

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** What a malformed timeout is replaced by: a value grpc-js refuses (INTERNAL) whatever it finds in the original. */
const MALFORMED = 'malformed';

/**
 * Checks a request's `grpc-timeout` header before grpc-js reads it.
 * PROTOCOL-HTTP2 allows up to 8 digits and a unit (up to ~11,000 years);
 * grpc-js 1.14 truncates the timeout to 32 bits, so a 25-49 day deadline
 * arrives negative (DEADLINE_EXCEEDED at once) and a longer one wraps to an
 * arbitrary short one. A deadline past what a timer holds (~24.8 days) is far
 * away and is read as ~24.8 days. grpc-js also finds a timeout anywhere in
 * the value ("-1S", "123456789S" and "5 S" pass as 1 s, 23456789 s and 5 s);
 * a value that is not exactly digits and a unit is made one grpc-js refuses,
 * so the call is answered INTERNAL as grpc-go answers it.
 * @internal
 */
export function checkGrpcTimeout(headers: IncomingHttpHeaders): void {
  const value = headers['grpc-timeout'];
  if (value === undefined) return;
  const match = typeof value === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(value) : null;
  if (match === null) headers['grpc-timeout'] = MALFORMED;
  else if (Number(match[1]) * (UNIT_MS[match[2]!] ?? 0) > MAX_TIMER_MS) headers['grpc-timeout'] = FAR_AWAY;
}
