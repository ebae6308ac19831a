import convict from 'convict';
import * as net from 'node:net';

let added = false;

/** Numbers from the environment arrive as strings; anything but digits stays as given, so errors can show it. */
const coerceInt = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v);

/** Adds Switchboard's convict formats once: `host`, `positive-int`, `non-negative-int`. @internal */
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
}
