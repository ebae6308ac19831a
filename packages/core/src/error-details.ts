import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { SwitchboardError } from './switchboard-error';

/**
 * One typed detail of an error status: a protobuf message and its full name.
 * On the wire it is a `google.protobuf.Any` inside `google.rpc.Status.details`.
 */
export interface Detail<T = unknown> {
  /** The full message name, e.g. `google.rpc.BadRequest`. */
  readonly type: string;
  readonly value: T;
}

/** A detail whose message type is not registered here: its type name and undecoded bytes. */
export interface RawDetail extends Detail<Uint8Array> {
  readonly raw: true;
}

/**
 * A message type usable as an error detail. `create` builds the detail,
 * `is` narrows one; `encode` / `decode` convert the message to and from bytes.
 * Decoded messages use the proto field names (keepCase) and carry every field,
 * with proto3 defaults for the ones not sent.
 */
export interface DetailType<T> {
  readonly typeName: string;
  create(value: T): Detail<T>;
  is(detail: Detail): detail is Detail<T>;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** `google.protobuf.Duration`; `seconds` is a string when it is too large for a safe number. */
export interface Duration {
  seconds?: number | string;
  nanos?: number;
}

/** `google.rpc.ErrorInfo`: why the error happened, as a stable machine-readable reason. */
export interface ErrorInfo {
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
}

/** `google.rpc.RetryInfo`: when the client may retry. */
export interface RetryInfo {
  retry_delay?: Duration;
}

/** `google.rpc.DebugInfo`: debugging information; for trusted clients only. */
export interface DebugInfo {
  stack_entries?: string[];
  detail?: string;
}

/** `google.rpc.QuotaFailure`: which quota checks failed. */
export interface QuotaFailure {
  violations?: {
    subject?: string;
    description?: string;
    api_service?: string;
    quota_metric?: string;
    quota_id?: string;
    quota_dimensions?: Record<string, string>;
    quota_value?: number | string;
    future_quota_value?: number | string;
  }[];
}

/** `google.rpc.PreconditionFailure`: which preconditions failed. */
export interface PreconditionFailure {
  violations?: { type?: string; subject?: string; description?: string }[];
}

/** `google.rpc.BadRequest`: which fields of the request are invalid. */
export interface BadRequest {
  field_violations?: {
    field?: string;
    description?: string;
    reason?: string;
    localized_message?: LocalizedMessage;
  }[];
}

/** `google.rpc.RequestInfo`: identifies the request, for bug reports. */
export interface RequestInfo {
  request_id?: string;
  serving_data?: string;
}

/** `google.rpc.ResourceInfo`: the resource being accessed. */
export interface ResourceInfo {
  resource_type?: string;
  resource_name?: string;
  owner?: string;
  description?: string;
}

/** `google.rpc.Help`: links to documentation. */
export interface Help {
  links?: { description?: string; url?: string }[];
}

/** `google.rpc.LocalizedMessage`: an error message for the end user. */
export interface LocalizedMessage {
  locale?: string;
  message?: string;
}

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const STATUS_TYPE = 'google.rpc.Status';

let standardRoot: protobuf.Root | undefined;

function googleRoot(): protobuf.Root {
  if (!standardRoot) {
    const protoDir = path.dirname(require.resolve('google-proto-files/package.json'));
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
    standardRoot = root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  }
  return standardRoot;
}

const CONVERSION: protobuf.IConversionOptions = { defaults: true, arrays: true, objects: true, enums: String };

function isLong(value: object): value is protobuf.Long {
  const Long: unknown = protobuf.util.Long;
  return typeof Long === 'function' && value instanceof Long;
}

/**
 * Turns 64-bit integers into numbers (strings when not safe) and drops the
 * `null` that `toObject` gives for absent message fields, leaving them undefined.
 */
function plain(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(plain);
  if (isLong(value)) {
    const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
    const big = value.unsigned ? bits : BigInt.asIntN(64, bits);
    const n = Number(big);
    return Number.isSafeInteger(n) ? n : big.toString();
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== null) out[key] = plain(field);
  }
  return out;
}

function isZero(value: unknown): boolean {
  if (typeof value === 'object' && value !== null) {
    if (value instanceof Uint8Array) return value.length === 0;
    return isLong(value) && value.low === 0 && value.high === 0;
  }
  return value === '' || value === false || Object.is(value, 0);
}

/**
 * protobufjs writes every field set on a message, even to its default value;
 * proto3 leaves out fields without presence that hold their default. Removing
 * them gives the same bytes as grpc-go and python would write.
 */
function dropImplicitDefaults(type: protobuf.Type, message: Record<string, unknown>): void {
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    field.resolve();
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.map || field.repeated) {
      if (nested) for (const item of Object.values(value)) dropImplicitDefaults(nested, item as Record<string, unknown>);
    } else if (nested) {
      dropImplicitDefaults(nested, value as Record<string, unknown>);
    } else if (!field.hasPresence && isZero(value)) {
      delete message[field.name];
    }
  }
}

function encodeMessage(type: protobuf.Type, value: object): Uint8Array {
  const message = type.fromObject(value);
  dropImplicitDefaults(type, message as unknown as Record<string, unknown>);
  return type.encode(message).finish();
}

/**
 * protobufjs reads a Buffer with a lenient reader that clips truncated strings
 * instead of failing; a plain Uint8Array view of the same memory is read strictly.
 */
function strictBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

function makeDetailType<T>(typeName: string, messageType: () => protobuf.Type): DetailType<T> {
  return Object.freeze({
    typeName,
    create: (value: T): Detail<T> => Object.freeze({ type: typeName, value }),
    is: (detail: Detail): detail is Detail<T> => detail.type === typeName && !isRawDetail(detail),
    encode(value: T): Uint8Array {
      const type = messageType();
      try {
        return encodeMessage(type, value as object);
      } catch (err: unknown) {
        throw new SwitchboardError('SB_ERR_PROTO', `cannot encode ${typeName}: ${errorText(err)}`, { cause: err });
      }
    },
    decode(bytes: Uint8Array): T {
      const type = messageType();
      try {
        return plain(type.toObject(type.decode(strictBytes(bytes)), CONVERSION)) as T;
      } catch (err: unknown) {
        throw new SwitchboardError('SB_ERR_PROTO', `cannot decode ${typeName}: ${errorText(err)}`, { cause: err });
      }
    },
  });
}

function lookup(root: protobuf.Root, typeName: string): protobuf.Type {
  try {
    return root.lookupType(typeName);
  } catch (err: unknown) {
    throw new SwitchboardError('SB_ERR_PROTO', `message type '${typeName}' is not in the given protobuf root`, {
      cause: err,
    });
  }
}

function standard<T>(name: string): DetailType<T> {
  const typeName = `google.rpc.${name}`;
  let type: protobuf.Type | undefined;
  return makeDetailType<T>(typeName, () => (type ??= lookup(googleRoot(), typeName)));
}

/**
 * A detail type for a message of your own, e.g.
 * `detailType<OrderProblem>('shop.v1.OrderProblem', protobuf.loadSync('shop.proto'))`.
 * `root` is any protobufjs Root that holds the message: one you loaded or parsed
 * (load it with `keepCase: true` so field names match the proto). Register the
 * result with {@link registerDetailType} so errors can carry it.
 */
export function detailType<T>(typeName: string, root: protobuf.Root): DetailType<T> {
  const name = typeName.replace(/^\./, '');
  const type = lookup(root, name);
  return makeDetailType<T>(name, () => type);
}

const registry = new Map<string, DetailType<unknown>>();

/** Makes a detail type known to {@link encodeStatusDetails} and {@link decodeStatusDetails}; the last registration of a name wins. */
export function registerDetailType(type: DetailType<unknown>): void {
  registry.set(type.typeName, type);
}

/** `google.rpc.ErrorInfo` detail type. */
export const ErrorInfo: DetailType<ErrorInfo> = standard('ErrorInfo');
/** `google.rpc.RetryInfo` detail type. */
export const RetryInfo: DetailType<RetryInfo> = standard('RetryInfo');
/** `google.rpc.DebugInfo` detail type. */
export const DebugInfo: DetailType<DebugInfo> = standard('DebugInfo');
/** `google.rpc.QuotaFailure` detail type. */
export const QuotaFailure: DetailType<QuotaFailure> = standard('QuotaFailure');
/** `google.rpc.PreconditionFailure` detail type. */
export const PreconditionFailure: DetailType<PreconditionFailure> = standard('PreconditionFailure');
/** `google.rpc.BadRequest` detail type. */
export const BadRequest: DetailType<BadRequest> = standard('BadRequest');
/** `google.rpc.RequestInfo` detail type. */
export const RequestInfo: DetailType<RequestInfo> = standard('RequestInfo');
/** `google.rpc.ResourceInfo` detail type. */
export const ResourceInfo: DetailType<ResourceInfo> = standard('ResourceInfo');
/** `google.rpc.Help` detail type. */
export const Help: DetailType<Help> = standard('Help');
/** `google.rpc.LocalizedMessage` detail type. */
export const LocalizedMessage: DetailType<LocalizedMessage> = standard('LocalizedMessage');

for (const type of [ErrorInfo, RetryInfo, DebugInfo, QuotaFailure, PreconditionFailure, BadRequest, RequestInfo, ResourceInfo, Help, LocalizedMessage]) {
  registerDetailType(type);
}

/** Whether `detail` holds undecoded bytes of a type not registered here. */
export function isRawDetail(detail: Detail): detail is RawDetail {
  return (detail as Partial<RawDetail>).raw === true && detail.value instanceof Uint8Array;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

interface StatusMessage {
  code: number;
  message: string;
  details: AnyMessage[];
}

function toAny(detail: Detail): AnyMessage {
  const type_url = TYPE_URL_PREFIX + detail.type;
  if (isRawDetail(detail)) return { type_url, value: detail.value };
  const type = registry.get(detail.type);
  if (!type) {
    const known = [...registry.keys()].join(', ');
    throw new SwitchboardError('SB_ERR_PROTO', `error detail type '${detail.type}' is not registered; call registerDetailType() first (registered: ${known})`);
  }
  return { type_url, value: type.encode(detail.value) };
}

/**
 * Encodes `google.rpc.Status{code, message, details}`, each detail packed in a
 * `google.protobuf.Any` with a `type.googleapis.com/` type URL: the value of the
 * `grpc-status-details-bin` trailer, as grpc-go and grpcio-status read it.
 */
export function encodeStatusDetails(code: number, message: string, details: readonly Detail[]): Buffer {
  const status: StatusMessage = { code, message, details: details.map(toAny) };
  const type = googleRoot().lookupType(STATUS_TYPE);
  const bytes = encodeMessage(type, status);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fromAny(any: AnyMessage): Detail {
  const slash = any.type_url.lastIndexOf('/');
  const typeName = any.type_url.slice(slash + 1);
  const type = registry.get(typeName);
  if (type) {
    try {
      return type.create(type.decode(any.value));
    } catch {
      // Bytes the registered type cannot read are kept undecoded, as for an unknown type.
    }
  }
  const raw: RawDetail = { type: typeName, value: new Uint8Array(any.value), raw: true };
  return Object.freeze(raw);
}

/**
 * Decodes a `google.rpc.Status` (the `grpc-status-details-bin` trailer). Details
 * of registered types are decoded; any other becomes a {@link RawDetail}.
 * Throws `SB_ERR_PROTO` only when the bytes are not a Status at all.
 */
export function decodeStatusDetails(bytes: Uint8Array): { code: number; message: string; details: Detail[] } {
  const type = googleRoot().lookupType(STATUS_TYPE);
  let status: StatusMessage;
  try {
    status = type.decode(strictBytes(bytes)) as unknown as StatusMessage;
  } catch (err: unknown) {
    throw new SwitchboardError('SB_ERR_PROTO', `bytes are not a google.rpc.Status: ${errorText(err)}`, { cause: err });
  }
  return { code: status.code, message: status.message, details: status.details.map(fromAny) };
}
