import { validUtf8 } from './valid-utf8';

/** How a varint field is read: as 32 bits (int32, uint32, sint32, enum), as a bool, or as 64 bits. */
export type VarintKind = 'int32' | 'bool' | 'int64';

/** How one field's values must look on the wire. @internal */
export class FieldRule {
  constructor(
    /** `field 1 'message'`, as errors name it. */
    readonly label: string,
    /** The wire type of one value: 0 varint, 1 i64, 2 len, 3 group, 5 i32. */
    readonly wireType: number,
    readonly varint: VarintKind,
    /** A repeated number, bool or enum: accepted packed (wire type 2) as well. */
    readonly packable: boolean,
    /** A proto3 string: its bytes must be UTF-8. */
    readonly utf8: boolean,
    /** The layout of a message, group or map entry value. */
    readonly message: MessageLayout | undefined,
    /** A singular message field's bit among its message's, or -1: such a field may appear once. */
    readonly once = -1,
    /** The index of its oneof among its message's oneofs of two members or more, or -1: two members may not both be sent. */
    readonly oneof = -1,
  ) {}
}

/** The fields of one message type, by number. @internal */
export class MessageLayout {
  /** Rules of fields numbered below {@link DENSE_NUMBERS}, by number, for a lookup without hashing. */
  private readonly dense: (FieldRule | undefined)[] = [];
  private readonly sparse = new Map<number, FieldRule>();

  /** `name` as errors give it: `switchboard.test.EchoRequest` */
  constructor(readonly name: string) {}

  add(number: number, rule: FieldRule): void {
    if (number < DENSE_NUMBERS) {
      while (this.dense.length <= number) this.dense.push(undefined);
      this.dense[number] = rule;
    } else {
      this.sparse.set(number, rule);
    }
  }

  get(number: number): FieldRule | undefined {
    return number < this.dense.length ? this.dense[number] : this.sparse.get(number);
  }
}

const DENSE_NUMBERS = 256;
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const I32 = 5;
/** protobufjs's `util.recursionLimit`, the depth past which its decoder throws. */
const MAX_DEPTH = 100;

/**
 * Throws unless `bytes` is one well-formed `layout` message that protobufjs
 * reads exactly as the protobuf encoding spec defines it, so the decoder that
 * runs next can only give the message that was sent. Rejected:
 * - a tag, length or value cut off by the end of its message (protobufjs's
 *   BufferReader shortens such a string instead);
 * - a varint of more than 10 bytes or past 64 bits; a 32-bit varint (tag,
 *   length, int32, enum, bool) of 6 to 9 bytes, which protobufjs reads as 10;
 *   a bool whose low 32 bits are zero and high bits are not;
 * - field number 0, wire types 6 and 7, an end-group tag that closes nothing;
 * - a known field with a wire type not its own (protobufjs would read it as
 *   its own type; other implementations keep it as an unknown field);
 * - a proto3 string that is not UTF-8 (proto3 spec; grpc-go answers INTERNAL);
 * - a singular message field sent twice (the spec merges them, protobufjs
 *   keeps the last), two members of one oneof (protobufjs keeps both);
 * - nesting deeper than protobufjs's limit of 100.
 * @internal
 */
export function checkMessage(layout: MessageLayout, bytes: Uint8Array): void {
  // One walker for every check: a check runs start to end synchronously.
  walker.reset(bytes);
  try {
    walker.message(layout, bytes.length, 0, 0);
  } finally {
    walker.reset(EMPTY);
  }
}

const EMPTY = new Uint8Array(0);

class WireWalk {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  /** Where the field being read starts, for errors. */
  private at = 0;

  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.pos = 0;
    this.at = 0;
  }

  /** Reads fields up to `end`, or up to the end tag of group `group` (when not 0). */
  message(layout: MessageLayout, end: number, depth: number, group: number): void {
    if (depth > MAX_DEPTH) throw this.error(layout, `nests deeper than ${MAX_DEPTH} messages`);
    let seen = 0;
    let extraSeen: Set<number> | undefined;
    let members: Map<number, number> | undefined;
    while (this.pos < end) {
      this.at = this.pos;
      // One-byte tags (fields 1 to 15) without a call.
      const first = this.buf[this.pos]!;
      const tag = first < 0x80 ? (this.pos++, first) : this.uint32(layout, end, undefined);
      const number = tag >>> 3;
      const wireType = tag & 7;
      if (number === 0) throw this.error(layout, 'has a field numbered 0');
      if (wireType === END_GROUP) {
        if (number === group) return;
        throw this.error(layout, `has an end-group tag of field ${number} that closes no group`);
      }
      const rule = layout.get(number);
      if (rule === undefined) {
        this.skip(layout, wireType, number, end, depth);
        continue;
      }
      if (rule.once >= 0) {
        if (rule.once < 31) {
          if ((seen & (1 << rule.once)) !== 0) throw this.twice(layout, rule);
          seen |= 1 << rule.once;
        } else {
          extraSeen ??= new Set();
          if (extraSeen.has(number)) throw this.twice(layout, rule);
          extraSeen.add(number);
        }
      }
      if (rule.oneof >= 0) {
        members ??= new Map();
        const other = members.get(rule.oneof);
        if (other !== undefined && other !== number) {
          throw this.error(layout, `sets ${rule.label} and field ${other} of the same oneof`);
        }
        members.set(rule.oneof, number);
      }
      if (wireType === rule.wireType) this.value(layout, rule, number, end, depth);
      else if (wireType === LEN && rule.packable) this.packed(layout, rule, end);
      else throw this.error(layout, `has ${rule.label} with wire type ${wireType} instead of ${rule.wireType}`);
    }
    if (group !== 0) throw this.error(layout, `has a group (field ${group}) without its end tag`);
  }

  private value(layout: MessageLayout, rule: FieldRule, number: number, end: number, depth: number): void {
    switch (rule.wireType) {
      case VARINT:
        return this.varint(layout, rule.varint, end);
      case I64:
        return this.fixed(layout, 8, end);
      case I32:
        return this.fixed(layout, 4, end);
      case START_GROUP:
        return this.message(rule.message!, end, depth + 1, number);
      default: {
        const stop = this.length(layout, end, rule.label);
        if (rule.message !== undefined) this.message(rule.message, stop, depth + 1, 0);
        else if (rule.utf8 && !validUtf8(this.buf, this.pos, stop)) throw this.error(layout, `has ${rule.label} that is not UTF-8`);
        this.pos = stop;
      }
    }
  }

  private packed(layout: MessageLayout, rule: FieldRule, end: number): void {
    const stop = this.length(layout, end, rule.label);
    const size = rule.wireType === I64 ? 8 : rule.wireType === I32 ? 4 : 0;
    if (size === 0) {
      while (this.pos < stop) this.varint(layout, rule.varint, stop);
    } else if ((stop - this.pos) % size !== 0) {
      throw this.error(layout, `has packed ${rule.label} of ${stop - this.pos} bytes, not a multiple of ${size}`);
    }
    this.pos = stop;
  }

  /** An unknown field, as protobufjs's `skipType` passes over it. */
  private skip(layout: MessageLayout, wireType: number, number: number, end: number, depth: number): void {
    switch (wireType) {
      case VARINT:
        return this.varint(layout, 'int64', end);
      case I64:
        return this.fixed(layout, 8, end);
      case I32:
        return this.fixed(layout, 4, end);
      case LEN:
        this.pos = this.length(layout, end, number);
        return;
      case START_GROUP:
        return this.message(UNKNOWN_GROUP, end, depth + 1, number);
      default:
        throw this.error(layout, `has field ${number} with the invalid wire type ${wireType}`);
    }
  }

  /** A tag or length (`label` names it for errors): a varint of at most 5 bytes that fits 32 bits. */
  private uint32(layout: MessageLayout, end: number, label: string | number | undefined): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= end) throw this.error(layout, `has ${what(label)} cut off by the end of the message`);
      const byte = buf[this.pos++]!;
      if (shift === 28) {
        if (byte > 0x0f) throw this.error(layout, `has ${what(label)} longer than 5 bytes or past 32 bits`);
        return (value | (byte << 28)) >>> 0;
      }
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  }

  /** A length prefix and the position where its bytes end. */
  private length(layout: MessageLayout, end: number, label: string | number): number {
    const first = this.pos < end ? this.buf[this.pos]! : 0x80;
    const length = first < 0x80 ? (this.pos++, first) : this.uint32(layout, end, label);
    if (length > end - this.pos) {
      throw this.error(layout, `has ${named(label)} of ${length} bytes where ${end - this.pos} remain`);
    }
    return this.pos + length;
  }

  private varint(layout: MessageLayout, kind: VarintKind, end: number): void {
    const buf = this.buf;
    const start = this.pos;
    const limit = Math.min(end, start + 10);
    let pos = start;
    let byte: number;
    do {
      if (pos >= limit) {
        throw this.error(layout, pos >= end ? 'has a varint cut off by the end of the message' : 'has a varint longer than 10 bytes');
      }
      byte = buf[pos++]!;
    } while (byte >= 0x80);
    const size = pos - start;
    if (size === 10 && byte > 1) throw this.error(layout, 'has a varint past 64 bits');
    if (kind !== 'int64' && size > 5 && size < 10) throw this.error(layout, `has a 32-bit varint of ${size} bytes`);
    if (kind === 'bool' && size >= 5 && lowWordIsZero(buf, start) && !allZero(buf, start, pos)) {
      throw this.error(layout, 'has a bool whose low 32 bits are zero');
    }
    this.pos = pos;
  }

  private fixed(layout: MessageLayout, size: number, end: number): void {
    if (end - this.pos < size) throw this.error(layout, `has a ${size * 8}-bit value cut off by the end of the message`);
    this.pos += size;
  }

  private twice(layout: MessageLayout, rule: FieldRule): Error {
    return this.error(layout, `has ${rule.label} twice (a message field is sent once)`);
  }

  private error(layout: MessageLayout, what: string): Error {
    return new Error(`invalid ${layout.name}: ${what} (in the field at byte ${this.at})`);
  }
}

const UNKNOWN_GROUP = new MessageLayout('group');
const walker = new WireWalk();

/** What a tag or length read for `label` is called in errors (built only when thrown). */
function what(label: string | number | undefined): string {
  return label === undefined ? 'a tag' : `the length of ${named(label)}`;
}

/** A field's label, or `field N` for an unknown field. */
function named(label: string | number): string {
  return typeof label === 'number' ? `field ${label}` : label;
}

/** Whether the low 32 bits of the varint at `start` (at least 5 bytes long) are zero. */
function lowWordIsZero(buf: Uint8Array, start: number): boolean {
  return (
    (buf[start]! & 0x7f) === 0 &&
    (buf[start + 1]! & 0x7f) === 0 &&
    (buf[start + 2]! & 0x7f) === 0 &&
    (buf[start + 3]! & 0x7f) === 0 &&
    (buf[start + 4]! & 0x0f) === 0
  );
}

function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((buf[i]! & 0x7f) !== 0) return false;
  return true;
}
