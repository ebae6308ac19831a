import type { Options } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, SwitchboardError } from '@switchboard/core';

/** A value constructor proto-loader accepts for `longs`, `enums` and `bytes`, by the name its generator takes. */
const CONSTRUCTOR_NAMES = new Map<unknown, string>([
  [String, 'String'],
  [Number, 'Number'],
  [Array, 'Array'],
]);

const BOOLEAN_OPTIONS = ['keepCase', 'defaults', 'arrays', 'objects', 'oneofs', 'json'] as const;
const CONSTRUCTOR_OPTIONS = ['longs', 'enums', 'bytes'] as const;

/**
 * The `proto-loader-gen-types` flags that type messages the way `loadProto`
 * decodes them, derived from the options it loads with (core's
 * `PROTO_LOADER_OPTIONS`), so the two cannot drift apart. An option the
 * generator has no flag for is an error, not a silent mismatch.
 *
 * @example
 * genTypesFlags(); // ['--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs']
 */
export function genTypesFlags(options: Options = PROTO_LOADER_OPTIONS): string[] {
  const flags: string[] = [];
  for (const [key, value] of Object.entries(options) as [string, unknown][]) {
    if (value === undefined || value === false) continue;
    if ((BOOLEAN_OPTIONS as readonly string[]).includes(key) && value === true) {
      flags.push(`--${key}`);
      continue;
    }
    const name = CONSTRUCTOR_NAMES.get(value);
    if ((CONSTRUCTOR_OPTIONS as readonly string[]).includes(key) && name !== undefined) {
      flags.push(`--${key}=${name}`);
      continue;
    }
    throw new SwitchboardError(
      'SB_ERR_PROTO',
      `proto-loader option ${key}=${typeof value === 'function' ? value.name : JSON.stringify(value)} has no proto-loader-gen-types flag (flags: ${[...BOOLEAN_OPTIONS, ...CONSTRUCTOR_OPTIONS].join(', ')})`,
    );
  }
  return flags;
}
