import { Metadata, status as Code } from '@grpc/grpc-js';
import { decodeStatusDetails, encodeStatusDetails, type Detail, type DetailType } from './error-details';

/** The gRPC status codes (grpc-js `status`), a closed set: `Code.INVALID_ARGUMENT`. */
export { Code };

/** The trailer that carries `google.rpc.Status` with the error's details. */
const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const codesByName = new Map<string, Code>(
  Object.entries(Code).flatMap(([name, value]): [string, Code][] => (typeof value === 'number' ? [[name, value]] : [])),
);

/** The canonical name of a status code, e.g. `INVALID_ARGUMENT`; a code outside the set gives its number. */
export function codeName(code: Code): string {
  const name: unknown = Code[code];
  return typeof name === 'string' ? name : String(code);
}

/**
 * Reads a status code from configuration: a name in any case (`not_found`,
 * `NOT_FOUND`) or its number (`5`). Returns undefined for anything else.
 */
export function parseCode(name: string): Code | undefined {
  const text = name.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return isCode(n) ? n : undefined;
  }
  return codesByName.get(text.toUpperCase());
}

function isCode(value: number): value is Code {
  const name: unknown = Code[value];
  return Number.isInteger(value) && typeof name === 'string';
}

/** What grpc-js sends and receives as the status of a failed call. */
export interface RpcStatus {
  code: number;
  details: string;
  metadata?: Metadata;
}

/** Options of {@link RpcError}. */
export interface RpcErrorOptions {
  /** Typed details, sent as `google.rpc.Status` in the `grpc-status-details-bin` trailer. */
  details?: readonly Detail[];
  /** Trailers to send with the status, or the ones received with it. */
  metadata?: Metadata;
  cause?: unknown;
  /** True for a status a call received (see {@link RpcError.received}). */
  received?: boolean;
}

/**
 * The error that crosses the wire: a status code, the message as sent, typed
 * `google.rpc` details and trailers. Throw it from a handler to send that
 * status; clients receive one for every failed call.
 *
 * @example
 * throw new RpcError(Code.INVALID_ARGUMENT, 'Invalid information received', {
 *   details: [BadRequest.create({ field_violations: [{ field: 'name', description: 'required' }] })],
 * });
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: Code;
  /** The message exactly as sent on the wire, without the `[CODE]` prefix. */
  readonly rawMessage: string;
  readonly details: readonly Detail[];
  /**
   * True when this is the status of a call this process made (sent by the
   * peer, or made up by grpc-js on the caller's side: a refused connection, a
   * deadline), rather than one raised here. A server passes such an error on
   * with its code and details but, by default, not its message, which may
   * name internal hosts; it logs the message instead.
   */
  readonly received: boolean;
  /** Trailers to send, or the trailers received. */
  readonly metadata: Metadata;

  constructor(code: Code, message: string, options: RpcErrorOptions = {}) {
    super(`[${codeName(code)}] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.rawMessage = message;
    this.details = Object.freeze([...(options.details ?? [])]);
    this.received = options.received ?? false;
    this.metadata = options.metadata ?? new Metadata();
  }

  /** The values of every detail of `type`, in order. */
  findDetails<T>(type: DetailType<T>): T[] {
    return this.details.filter((detail) => type.is(detail)).map((detail) => detail.value);
  }

  /** The value of the first detail of `type`, if any. */
  findDetail<T>(type: DetailType<T>): T | undefined {
    return this.findDetails(type)[0];
  }

  /**
   * The status to send for this error: grpc-js takes it as the error of a
   * handler (`callback(status)`, `call.emit('error', status)`). The details,
   * if any, travel in the `grpc-status-details-bin` trailer.
   */
  toStatus(): { code: Code; details: string; metadata: Metadata } {
    const metadata = this.metadata.clone();
    if (this.details.length > 0) {
      metadata.set(STATUS_DETAILS_KEY, encodeStatusDetails(this.code, this.rawMessage, this.details));
    }
    return { code: this.code, details: this.rawMessage, metadata };
  }

  /**
   * The error for a received status, with its trailers and the details decoded
   * from `grpc-status-details-bin`. Details that cannot be decoded are left out.
   */
  static fromStatus(status: RpcStatus): RpcError {
    return fromStatus(status, undefined);
  }

  /**
   * Any thrown value as an RpcError: an RpcError as is (also as an abort
   * reason), a grpc-js `ServiceError` with its status, an `AbortError` as
   * CANCELLED, a `TimeoutError` as DEADLINE_EXCEEDED, and anything else as
   * `fallbackCode` with its message, keeping the original as `cause`.
   */
  static from(reason: unknown, fallbackCode: Code = Code.UNKNOWN): RpcError {
    if (reason instanceof RpcError) return reason;
    if (reason instanceof AbortSignal) {
      return RpcError.from(reason.reason ?? new DOMException('This operation was aborted', 'AbortError'), fallbackCode);
    }
    if (isStatusLike(reason)) return fromStatus(reason, reason);
    const message = messageOf(reason);
    const name = errorName(reason);
    const code = name === 'AbortError' ? Code.CANCELLED : name === 'TimeoutError' ? Code.DEADLINE_EXCEEDED : fallbackCode;
    return new RpcError(code, message, { cause: reason });
  }
}

function fromStatus(status: RpcStatus, cause: unknown): RpcError {
  const metadata = status.metadata ?? new Metadata();
  const code = isCode(status.code) ? status.code : Code.UNKNOWN;
  return new RpcError(code, status.details, { details: receivedDetails(metadata), metadata, cause, received: true });
}

function receivedDetails(metadata: Metadata): Detail[] {
  const bytes = metadata.get(STATUS_DETAILS_KEY)[0];
  if (!(bytes instanceof Uint8Array)) return [];
  try {
    return decodeStatusDetails(bytes).details;
  } catch {
    return [];
  }
}

function isStatusLike(value: unknown): value is RpcStatus {
  if (typeof value !== 'object' || value === null) return false;
  const status = value as Partial<Record<keyof RpcStatus, unknown>>;
  return typeof status.code === 'number' && typeof status.details === 'string' && (status.metadata === undefined || status.metadata instanceof Metadata);
}

function errorName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const name: unknown = (value as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function messageOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  const message: unknown = typeof value === 'object' && value !== null ? (value as { message?: unknown }).message : undefined;
  if (typeof message === 'string') return message;
  try {
    return String(value);
  } catch {
    return 'unknown error';
  }
}
