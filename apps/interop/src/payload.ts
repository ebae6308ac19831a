import type { Payload, Payload__Output } from './gen/grpc/testing/Payload';

/** A COMPRESSABLE payload of `size` zero bytes, as every interop message carries. */
export function payload(size: number): Payload {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

/** Why `received` is not a payload of `size` zero bytes, or undefined when it is. */
export function payloadMismatch(received: Payload__Output | null, size: number): string | undefined {
  const body = received?.body ?? Buffer.alloc(0);
  if (body.length !== size) return `expected a ${size}-byte payload body, got ${body.length} bytes`;
  if (body.some((byte) => byte !== 0)) return `the ${size}-byte payload body is not all zeros`;
  return undefined;
}
