/**
 * The target grpc-js is given for a configured one: `host:port` becomes
 * `dns:///host:port`; a `scheme:` target passes through to its resolver.
 */
export function channelTarget(target: string): string {
  if (/^[^:/\s]+:\d+$/.test(target) || /^\[[0-9a-f:]+\]:\d+$/i.test(target)) return `dns:///${target}`;
  return target;
}
