import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
// The root loader proto-loader 0.8.1 (pinned) itself uses, so both roots read the files alike.
import { loadProtosWithOptionsSync } from '@grpc/proto-loader/build/src/util';
import { strictPackageDefinition } from './strict-decoding';
import { SwitchboardError } from './switchboard-error';

/**
 * The options every proto is loaded with. Messages keep the field names as
 * written in the .proto (`ordersList`, `field_violations`); 64-bit integers and
 * enums arrive as strings; unset scalars arrive with their defaults. The one
 * place these are written: `switchboard gen` derives proto-loader-gen-types'
 * flags from this object, so generated types describe what is decoded.
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
    const root = loadProtosWithOptionsSync(list, loaderOptions);
    const files = fileDescriptorProtos(root, loaderOptions.includeDirs);
    return { files: list, definition: withFileDescriptors(strictPackageDefinition(definition, root), files) };
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_PROTO', `cannot load ${list.join(', ')}: ${(cause as Error).message}`, { cause });
  }
}

/** What protobufjs/ext/descriptor adds to reflection objects at run time. */
interface Describable {
  toDescriptor(edition?: string): protobuf.Message;
}

/**
 * One serialized FileDescriptorProto per loaded .proto file, named the way
 * protoc names it (relative to the include path it was found in:
 * `order_management.proto`, `google/protobuf/wrappers.proto`), listing as
 * dependencies the files whose types it uses. proto-loader's own descriptors
 * merge each package into one `<package>.proto` with no dependencies, which
 * reflection clients that resolve imports by file name (grpcurl, Postman, a
 * strict descriptor pool) cannot load. Imports nothing is used from (e.g.
 * ones only for custom options, which protobufjs does not describe) are left
 * out, so every listed dependency is itself described.
 */
function fileDescriptorProtos(root: protobuf.Root, includeDirs: readonly string[]): Buffer[] {
  const dirs = includeDirs.map((d) => path.resolve(d) + path.sep);
  // Bundled files (google/protobuf/*.proto) are added from JSON, so their objects carry no filename.
  const bundled = new Map<string, string>();
  for (const file of root.files) {
    const json = protobuf.common.get(file);
    if (json !== null) bundledNames(json, '', (fullName) => bundled.set(fullName, file));
  }
  const nameOf = (object: protobuf.ReflectionObject): string => {
    let top = object;
    while (top.parent instanceof protobuf.Type) top = top.parent;
    const filename = top.filename ?? bundled.get(top.fullName.substring(1));
    if (filename === undefined) return 'root.proto';
    if (!path.isAbsolute(filename)) return filename;
    const dir = dirs.find((d) => filename.startsWith(d));
    return (dir === undefined ? path.basename(filename) : filename.slice(dir.length)).split(path.sep).join('/');
  };
  const files = new Map<
    string,
    {
      package: string;
      dependency: Set<string>;
      messageType: protobuf.Message[];
      enumType: protobuf.Message[];
      service: protobuf.Message[];
      extension: protobuf.Message[];
    }
  >();
  const fileOf = (object: protobuf.ReflectionObject): NonNullable<ReturnType<typeof files.get>> => {
    const name = nameOf(object);
    let file = files.get(name);
    if (file === undefined) {
      const pkg = object.parent?.fullName.substring(1) ?? '';
      file = { package: pkg, dependency: new Set(), messageType: [], enumType: [], service: [], extension: [] };
      files.set(name, file);
    }
    return file;
  };
  const uses = (object: protobuf.ReflectionObject, used: protobuf.ReflectionObject | null | undefined): void => {
    if (!used) return;
    const file = nameOf(used);
    if (file !== nameOf(object)) fileOf(object).dependency.add(file);
  };
  const usesOfType = (type: protobuf.Type): void => {
    for (const field of type.fieldsArray) uses(type, field.resolvedType);
    for (const nested of type.nestedArray) {
      if (nested instanceof protobuf.Type) usesOfType(nested);
      else if (nested instanceof protobuf.Field) {
        uses(type, nested.resolvedType);
        uses(type, nested.extensionField?.parent);
      }
    }
  };
  const visit = (ns: protobuf.Namespace): void => {
    for (const nested of ns.nestedArray) {
      const descriptor = (): protobuf.Message => (nested as unknown as Describable).toDescriptor('proto3');
      if (nested instanceof protobuf.Type) {
        fileOf(nested).messageType.push(nameMapEntries(descriptor() as unknown as MessageDescriptor));
        usesOfType(nested);
      } else if (nested instanceof protobuf.Enum) {
        fileOf(nested).enumType.push(descriptor());
      } else if (nested instanceof protobuf.Field) {
        fileOf(nested).extension.push(descriptor());
        uses(nested, nested.resolvedType);
        uses(nested, nested.extensionField?.parent);
      } else if (nested instanceof protobuf.Service) {
        fileOf(nested).service.push(descriptor());
        for (const method of nested.methodsArray) {
          uses(nested, method.resolvedRequestType);
          uses(nested, method.resolvedResponseType);
        }
      } else if (nested instanceof protobuf.Namespace) {
        visit(nested);
      }
    }
  };
  root.resolveAll();
  visit(root);
  return [...files].map(([name, file]) =>
    Buffer.from(
      FileDescriptorProto.encode(
        FileDescriptorProto.create({ name, syntax: 'proto3', ...file, package: file.package || undefined, dependency: [...file.dependency] }),
      ).finish(),
    ),
  );
}

interface MessageDescriptor extends protobuf.Message {
  field: { name: string; typeName?: string }[];
  nestedType: (MessageDescriptor & { name: string; options?: { mapEntry?: boolean } })[];
}

/**
 * Names each map field's entry type `<Field>Entry` as protoc does (protobufjs
 * names it after the field alone, which descriptor pools refuse).
 */
function nameMapEntries(message: MessageDescriptor): MessageDescriptor {
  for (const nested of message.nestedType) {
    nameMapEntries(nested);
    if (nested.options?.mapEntry !== true) continue;
    const field = message.field.find((f) => f.typeName === nested.name);
    if (field === undefined) continue;
    nested.name = field.name.replace(/(?:^|_)([a-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/_/g, '') + 'Entry';
    field.typeName = nested.name;
  }
  return message;
}

/** Calls `found` with the full name of each type, enum and service declared at package level in a bundled file. */
function bundledNames(json: protobuf.INamespace, prefix: string, found: (fullName: string) => void): void {
  for (const [name, nested] of Object.entries(json.nested ?? {})) {
    const fullName = prefix + name;
    if ('fields' in nested || 'values' in nested || 'methods' in nested) found(fullName);
    else bundledNames(nested, `${fullName}.`, found);
  }
}

/** The definition with `files` as the descriptors of every message and enum (what reflection reads). */
function withFileDescriptors(definition: protoLoader.PackageDefinition, files: Buffer[]): protoLoader.PackageDefinition {
  const out: protoLoader.PackageDefinition = {};
  for (const [name, entry] of Object.entries(definition)) {
    out[name] = typeof entry.format === 'string' ? { ...entry, fileDescriptorProtos: files } : entry;
  }
  return out;
}
