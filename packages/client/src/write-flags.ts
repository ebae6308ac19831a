/** How one request message is written. */
export interface WriteOptions {
  /**
   * `false` sends this message uncompressed on a call that compresses
   * (grpc-js `WriteFlags.NoCompress`); the call's other messages are
   * unaffected. The choice follows the message object: an interceptor that
   * replaces the message sends its replacement compressed as the call is.
   */
  compress?: boolean;
}

/** grpc-js `WriteFlags.NoCompress` (a const enum it does not export at run time). */
const NO_COMPRESS = 2;

/** Request messages to send uncompressed, marked by `write(message, { compress: false })`. */
const uncompressed = new WeakSet<object>();

/** Marks `message` as `options` ask; returns it. @internal */
export function withWriteOptions<T>(message: T, options: WriteOptions | undefined): T {
  if (options?.compress === false && typeof message === 'object' && message !== null) uncompressed.add(message);
  return message;
}

/** The grpc-js write flags of `message` (a call's message context `flags`); the mark is used up. @internal */
export function writeFlagsOf(message: unknown): number | undefined {
  return typeof message === 'object' && message !== null && uncompressed.delete(message) ? NO_COMPRESS : undefined;
}
