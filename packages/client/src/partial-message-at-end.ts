/**
 * Whether the response stream of a finished call ended inside a message
 * (a length prefix or a body cut short), read off grpc-js's own decoder:
 * true or false, or undefined when the internals are not where they were.
 * `call` is the channel's call (`Channel#createCall`, a `ResolvingCall`).
 *
 * grpc-js 1.14.7 drops such a partial message at the end of the stream
 * without a word and reports the server's status, OK included. Its
 * public API shows nothing of the frames, so this reads internals along one
 * path: the `ResolvingCall`'s `child` is a `RetryingCall`, whose committed
 * (or last) `underlyingCalls[i].call` is a `LoadBalancingCall`, whose
 * `child` is the `Http2SubchannelCall`, whose `decoder` (`StreamDecoder`)
 * has `readState` 0 (`NO_DATA`) between messages. A test pins this path.
 * @internal
 */
export function partialMessageAtEnd(call: unknown): boolean | undefined {
  const retrying = field(call, 'child');
  const attempts = field(retrying, 'underlyingCalls');
  if (!Array.isArray(attempts) || attempts.length === 0) return undefined;
  const committed = field(retrying, 'committedCallIndex');
  const attempt: unknown = attempts[typeof committed === 'number' ? committed : attempts.length - 1];
  const readState = field(field(field(field(attempt, 'call'), 'child'), 'decoder'), 'readState');
  return typeof readState === 'number' ? readState !== 0 : undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
