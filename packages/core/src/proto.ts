import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { SwitchboardError } from './switchboard-error';

/**
 * The options every proto is loaded with. Messages keep the field names as
 * written in the .proto (`ordersList`, `field_violations`); 64-bit integers and
 * enums arrive as strings; unset scalars arrive with their defaults.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Where `google/rpc/*.proto` and `google/api/*.proto` are found, for imports. */
export const GOOGLE_PROTOS_DIR = path.dirname(require.resolve('google-proto-files/package.json'));

/** A loaded set of .proto files: the definition grpc-js serves and reflection describes. */
export interface ProtoPackage {
  readonly files: readonly string[];
  readonly definition: protoLoader.PackageDefinition;
}

/**
 * Loads .proto files with {@link PROTO_LOADER_OPTIONS}.
 *
 * @example
 * const proto = loadProto(path.join(__dirname, '../proto/helloworld.proto'));
 */
export function loadProto(files: string | readonly string[], options: { includeDirs?: readonly string[] } = {}): ProtoPackage {
  const list = typeof files === 'string' ? [files] : [...files];
  try {
    const definition = protoLoader.loadSync(list, {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [...(options.includeDirs ?? []), ...list.map((f) => path.dirname(f)), GOOGLE_PROTOS_DIR],
    });
    return { files: list, definition };
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_PROTO', `cannot load ${list.join(', ')}: ${(cause as Error).message}`, { cause });
  }
}
