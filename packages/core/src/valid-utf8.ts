import { isUtf8 } from 'node:buffer';

/** From this many bytes on, `isUtf8` beats a loop (measured on Node 20). */
const LONG_STRING = 128;

/**
 * Whether `buf[start, end)` is UTF-8: a loop for short strings, Node's
 * `isUtf8` (simdutf) for long ones, without copying either way.
 * @internal
 */
export function validUtf8(buf: Uint8Array, start: number, end: number): boolean {
  return end - start < LONG_STRING ? isUtf8Range(buf, start, end) : isUtf8(buf.subarray(start, end));
}

/**
 * The well-formed byte sequences of Unicode 15, table 3-7: no overlong forms,
 * no surrogates, nothing past U+10FFFF (what `isUtf8` and grpc-go accept).
 * @internal
 */
export function isUtf8Range(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  // ASCII four bytes at a time (the common case, twice as fast as byte by byte).
  for (const last = end - 3; i < last; i += 4) {
    if (((buf[i]! | buf[i + 1]! | buf[i + 2]! | buf[i + 3]!) & 0x80) !== 0) break;
  }
  while (i < end) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
    } else if (b < 0xc2) {
      return false;
    } else if (b < 0xe0) {
      if (i + 1 >= end || !continuation(buf[i + 1]!)) return false;
      i += 2;
    } else if (b < 0xf0) {
      if (i + 2 >= end) return false;
      const b1 = buf[i + 1]!;
      if (!continuation(b1) || !continuation(buf[i + 2]!)) return false;
      if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f)) return false;
      i += 3;
    } else if (b < 0xf5) {
      if (i + 3 >= end) return false;
      const b1 = buf[i + 1]!;
      if (!continuation(b1) || !continuation(buf[i + 2]!) || !continuation(buf[i + 3]!)) return false;
      if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

function continuation(b: number): boolean {
  return (b & 0xc0) === 0x80;
}
