import * as net from 'node:net';
import { SwitchboardError } from '@switchboard/core';

/**
 * The target grpc-js is given for a configured one: `host:port` becomes
 * `dns:///host:port`; `static:///ip:port,ip:port` becomes grpc-js's own
 * `ipv4:`/`ipv6:` address list. Other schemes pass through.
 */
export function channelTarget(target: string, client: string): string {
  if (/^[^:/\s]+:\d+$/.test(target) || /^\[[0-9a-f:]+\]:\d+$/i.test(target)) return `dns:///${target}`;
  if (!target.toLowerCase().startsWith('static:')) return target;
  const list = target.replace(/^static:(\/\/[^/]*\/)?/i, '');
  const endpoints = list.split(',').map((e) => e.trim()).filter(Boolean);
  const fail = (why: string): never => {
    throw new SwitchboardError('SB_ERR_CONFIG', `clients.${client}.target: ${why}: value was ${JSON.stringify(target)}`);
  };
  if (endpoints.length === 0) fail('static target has no endpoints');
  const hosts = endpoints.map((e) => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(e);
    if (!m?.[1] || !m[2]) return fail(`'${e}' is not ip:port`);
    const version = net.isIP(m[1]);
    if (version === 0) return fail(`'${m[1]}' is not an IP address (static targets take addresses; use dns:///host:port for names)`);
    return { version, endpoint: version === 6 ? `[${m[1]}]:${m[2]}` : `${m[1]}:${m[2]}` };
  });
  const version = hosts[0]!.version;
  if (hosts.some((h) => h.version !== version)) fail('static target mixes IPv4 and IPv6');
  return `ipv${version}:${hosts.map((h) => h.endpoint).join(',')}`;
}
