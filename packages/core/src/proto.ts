import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
// The root loader proto-loader 0.8.1 (pinned) itself uses, so both roots read the files alike.
import { loadProtosWithOptionsSync } from '@grpc/proto-loader/build/src/util';
import { strictPackageDefinition } from './strict-decoding';
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
 * Loads .proto files with {@link PROTO_LOADER_OPTIONS}. Every message is
 * decoded strictly: bytes that are not one well-formed message (a length
 * past the end, a cut-off varint, a wrong wire type, a proto3 string that is
 * not UTF-8…), and the few well-formed ones protobufjs would misread (a
 * singular message field sent twice, two members of one oneof), throw instead
 * of decoding to some other message; grpc-js answers the call with INTERNAL.
 * Every other message decodes exactly as proto-loader decodes it.
 *
 * @example
 * const proto = loadProto(path.join(__dirname, '../proto/helloworld.proto'));
 */
export function loadProto(files: string | readonly string[], options: { includeDirs?: readonly string[] } = {}): ProtoPackage {
  const list = typeof files === 'string' ? [files] : [...files];
  try {
    const loaderOptions = {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [...(options.includeDirs ?? []), ...list.map((f) => path.dirname(f)), GOOGLE_PROTOS_DIR],
    };
    const definition = protoLoader.loadSync(list, loaderOptions);
    // proto-loader keeps its protobufjs root to itself; the strict check reads the types from a twin.
    return { files: list, definition: strictPackageDefinition(definition, loadProtosWithOptionsSync(list, loaderOptions)) };
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_PROTO', `cannot load ${list.join(', ')}: ${(cause as Error).message}`, { cause });
  }
}
