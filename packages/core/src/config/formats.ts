import convict from 'convict';
import * as net from 'node:net';

let added = false;

/** Adds Switchboard's convict formats once: `host` and `positive-int`. @internal */
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
    coerce: (v: unknown) => (typeof v === 'string' ? Number(v) : v),
    validate(value: unknown) {
      if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error('must be an integer of 1 or more');
    },
  });
}
