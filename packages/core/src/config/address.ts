import * as net from 'node:net';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * An IP address or a host name. A dotted name whose last label is all digits
 * ("256.1.1.1", "1.2.3") is neither: the system resolver would read it as a
 * numeric address (1.2.3 is 1.2.0.3) or fail only when the server starts.
 * @internal
 */
export function isHost(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (net.isIP(value) !== 0) return true;
  return HOST_NAME.test(value) && !/(^|\.)\d+$/.test(value);
}

/** The target schemes grpc-js resolves itself, and those of @switchboard/lb. */
const TARGET_SCHEMES = new Set(['dns', 'ipv4', 'ipv6', 'unix', 'unix-abstract', 'static', 'file', 'etcd', 'lookaside']);
const extraSchemes = new Set<string>();

/** Lets a custom resolver's scheme pass target validation. */
export function allowTargetScheme(scheme: string): void {
  extraSchemes.add(scheme.toLowerCase());
}

/** Why `endpoint` (host:port, [v6]:port, or a host alone when the port may be left out) is not one. */
function endpointProblem(endpoint: string, portRequired: boolean): string | undefined {
  const match = /^\[([^\]]+)\](?::(\d*))?$/.exec(endpoint) ?? /^([^:]*)(?::(\d*))?$/.exec(endpoint);
  const [host, port] = match ? [match[1], match[2]] : [endpoint, undefined];
  if (!isHost(host) || (match?.[0].startsWith('[') === true && net.isIPv6(host) === false)) return `'${endpoint}' has no valid host`;
  if (port === undefined) return portRequired ? `'${endpoint}' has no port` : undefined;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `'${endpoint}' has a port outside 1-65535`;
  return undefined;
}

const FORMS =
  'host:port, dns:///host:port, static:///host:port,host:port, file:///path.json, etcd:///<service>, lookaside://balancer/<service>, ipv4:…, unix:…';

/**
 * Why `value` is not a gRPC target, or undefined if it is one. '' passes:
 * it means "not set", which the client checks once defaults are applied.
 * @internal
 */
export function targetProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a target: ${FORMS}`;
  if (value === '') return undefined;
  if (/\s/.test(value)) return 'must not contain white space';
  // host:port and [v6]:port have no scheme; "localhost:50051" would otherwise read as scheme "localhost".
  if (/^(\[[^\]]*\]|[^:/[\]]+):\d+$/.test(value)) return endpointProblem(value, true);
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(value);
  if (match === null) return `must be a target: ${FORMS}`;
  const scheme = match[1]!.toLowerCase();
  if (!TARGET_SCHEMES.has(scheme) && !extraSchemes.has(scheme)) {
    return `unknown scheme '${match[1]!}'; known: ${[...TARGET_SCHEMES, ...extraSchemes].join(', ')}`;
  }
  const rest = match[2]!;
  // scheme://authority/path, as grpc-js parses it; without "//" all of it is the path.
  const path = rest.startsWith('//') ? rest.slice(2).replace(/^[^/]*\/?/, '') : rest;
  switch (scheme) {
    case 'dns':
      return path === '' ? 'names no host: dns:///host:port' : endpointProblem(path, false);
    case 'static': {
      const bad = path
        .split(',')
        .map((e) => endpointProblem(e, true))
        .find((p) => p !== undefined);
      return bad === undefined ? undefined : `${bad}: static:/// takes host:port,host:port`;
    }
    case 'etcd':
    case 'lookaside':
      return path.replace(/^\/+|\/+$/g, '') === '' ? `names no service: ${scheme}:///<service full name>` : undefined;
    default:
      return path === '' ? `names no address: ${scheme}:…` : undefined;
  }
}
