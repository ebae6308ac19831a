import type * as grpc from '@grpc/grpc-js';
import type { ServerConfig } from '@switchboard/core';

/**
 * The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days); a
 * longer one fires after 1 ms. grpc-js also reads exactly this value as "no
 * limit" for connection idle, age and grace.
 */
export const NEVER_MS = 2 ** 31 - 1;

/** `0` and anything a timer cannot wait for mean "never"; grpc-js is then given no option at all. */
function limitMs(ms: number): number | undefined {
  return ms === 0 || ms >= NEVER_MS ? undefined : ms;
}

/**
 * The grpc-js server options for the `server` config: message and stream
 * limits, keepalive, and the connection lifetimes.
 *
 * grpc-js 1.14.7 (server.js) treats a missing `grpc.max_connection_idle_ms`,
 * `grpc.max_connection_age_ms` or `grpc.max_connection_age_grace_ms` as
 * unlimited, while an explicit 0 means "at once" (an age of 0 sends GOAWAY
 * as each connection opens, a grace of 0 cuts calls the moment GOAWAY goes
 * out). Our 0 means never, so it is left out rather than passed on.
 *
 * @internal
 */
export function grpcServerOptions(c: ServerConfig['server']): grpc.ServerOptions {
  const options: grpc.ServerOptions = {
    'grpc.max_receive_message_length': c.maxReceiveMessageBytes,
    'grpc.max_send_message_length': c.maxSendMessageBytes,
    'grpc.max_concurrent_streams': c.maxConcurrentStreams,
    // grpc-js reads a keepalive time of NEVER_MS as "no pings"; a longer one would ping every millisecond.
    'grpc.keepalive_time_ms': Math.min(c.keepalive.timeMs, NEVER_MS),
    'grpc.keepalive_timeout_ms': Math.min(c.keepalive.timeoutMs, NEVER_MS),
    'grpc.keepalive_permit_without_calls': c.keepalive.permitWithoutCalls ? 1 : 0,
  };
  const lifetimes = {
    'grpc.max_connection_idle_ms': limitMs(c.maxConnectionIdleMs),
    'grpc.max_connection_age_ms': limitMs(c.maxConnectionAgeMs),
    'grpc.max_connection_age_grace_ms': limitMs(c.maxConnectionAgeGraceMs),
  };
  for (const [key, ms] of Object.entries(lifetimes)) if (ms !== undefined) options[key] = ms;
  return options;
}
