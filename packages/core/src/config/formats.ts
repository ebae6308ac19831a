import convict from 'convict';
import { codeName, parseCode } from '../rpc-error';
import * as net from 'node:net';

let added = false;

/** Numbers from the environment arrive as strings; anything but digits stays as given, so errors can show it. */
const coerceInt = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v);

/** Adds Switchboard's convict formats once. @internal */
export function addFormats(): void {
  if (added) return;
  added = true;
  convict.addFormat({
    name: 'host',
    validate(value: unknown) {
      const ok =
        typeof value === 'string' &&
        (net.isIP(value) !== 0 || /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(value));
      if (!ok) throw new Error('must be an IP address or a host name');
    },
  });
  convict.addFormat({
    name: 'positive-int',
    coerce: coerceInt,
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error('must be an integer of 1 or more');
    },
  });
  convict.addFormat({
    name: 'non-negative-int',
    coerce: coerceInt,
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Error('must be an integer of 0 or more');
    },
  });
  convict.addFormat({
    name: 'attempts',
    coerce: coerceInt,
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > 5) throw new Error('must be an integer from 0 to 5');
    },
  });
  convict.addFormat({
    name: 'multiplier',
    coerce: (v: unknown) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v),
    validate(value: unknown) {
      if (typeof value !== 'number' || !(value > 0)) throw new Error('must be a number above 0');
    },
  });
  convict.addFormat({
    name: 'optional-boolean',
    validate(value: unknown) {
      if (value !== null && typeof value !== 'boolean') throw new Error('must be true, false or null (inherit)');
    },
  });
  convict.addFormat({
    name: 'status-codes',
    coerce: (v: unknown) => (typeof v === 'string' ? v.split(',').map((c) => c.trim()).filter(Boolean) : v),
    validate(value: unknown) {
      const all = Object.values(STATUS_NAMES);
      if (!Array.isArray(value)) throw new Error(`must be a list of status code names (${all.join(', ')})`);
      const bad = value.filter((c) => typeof c !== 'string' || parseCode(c) === undefined || /^\d+$/.test(c));
      if (bad.length > 0) throw new Error(`${JSON.stringify(bad)} ${bad.length === 1 ? 'is not a' : 'are not'} status code name; allowed: ${all.join(', ')}`);
    },
  });
  convict.addFormat({
    name: 'grpc-target',
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a string');
      if (value === '') return;
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
      const hostPort = /^[^:/\s]+:\d+$|^\[[0-9a-f:]+\]:\d+$/i.test(value);
      if (scheme === undefined || hostPort) {
        if (!hostPort) throw new Error('must be scheme:///endpoint (dns:///host:port, static:///ip:port,…) or host:port');
        return;
      }
      if (!TARGET_SCHEMES.has(scheme.toLowerCase()) && !extraSchemes.has(scheme.toLowerCase())) {
        throw new Error(`unknown scheme '${scheme}'; known: ${[...TARGET_SCHEMES, ...extraSchemes].join(', ')}`);
      }
    },
  });
  convict.addFormat({
    name: 'metadata-map',
    validate(value: unknown) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be an object of header: value');
      for (const [k, v] of Object.entries(value)) {
        if (!/^[0-9a-z_.-]+$/.test(k) || k.startsWith('grpc-')) throw new Error(`'${k}' is not a valid metadata key (lowercase, 0-9 a-z _ . -, not grpc-*)`);
        if (k.endsWith('-bin')) throw new Error(`'${k}': binary metadata cannot be configured as text`);
        if (typeof v !== 'string') throw new Error(`'${k}' must have a string value`);
      }
    },
  });
}

const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Array.from({ length: 17 }, (_, code) => [code, codeName(code)]),
);

/** The target schemes grpc-js resolves itself, and those of @switchboard/lb. */
const TARGET_SCHEMES = new Set(['dns', 'ipv4', 'ipv6', 'unix', 'unix-abstract', 'static', 'file', 'etcd', 'lookaside']);
const extraSchemes = new Set<string>();

/** Lets a custom resolver's scheme pass target validation. */
export function allowTargetScheme(scheme: string): void {
  extraSchemes.add(scheme.toLowerCase());
}
