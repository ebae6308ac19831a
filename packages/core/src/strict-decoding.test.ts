import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { GOOGLE_PROTOS_DIR, PROTO_LOADER_OPTIONS, loadProto } from './proto';
import { isUtf8Range } from './valid-utf8';

const RICH_PROTO = path.join(__dirname, 'strict-decoding.fixture.proto');
const LEGACY_PROTO = path.join(__dirname, 'strict-decoding.proto2.fixture.proto');

type Codec = { serialize(value: object): Buffer; deserialize(bytes: Buffer): object };

/** A message type's codec as proto-loader makes it, and as loadProto makes it. */
function codecs(file: string, type: string): { plain: Codec; strict: Codec } {
  const plain = protoLoader.loadSync(file, { ...PROTO_LOADER_OPTIONS, includeDirs: [path.dirname(file), GOOGLE_PROTOS_DIR] });
  return { plain: plain[type] as unknown as Codec, strict: loadProto(file).definition[type] as unknown as Codec };
}

const rich = codecs(RICH_PROTO, 'switchboard.strict.Rich');
const legacy = codecs(LEGACY_PROTO, 'switchboard.strict2.Legacy');

// ---- wire-format builders ---------------------------------------------------
function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
}
const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const len = (field: number, body: number[] | Buffer): number[] => [...tag(field, 2), ...varint(body.length), ...body];
const str = (field: number, text: string): number[] => len(field, Buffer.from(text));
const bytes = (...parts: (number | number[])[]): Buffer => Buffer.from(parts.flat());
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const RICH_VALUES: Record<string, object> = {
  empty: {},
  scalars: {
    text: 'héllo wörld ✓ 𝄞',
    blob: Buffer.from([0, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
    i32: -123456,
    i64: '-9223372036854775808',
    u32: 4294967295,
    u64: '18446744073709551615',
    s32: -2147483648,
    s64: '9223372036854775807',
    f32: 4294967295,
    f64: '18446744073709551615',
    sf32: -1,
    sf64: '-1',
    fl: 1.5,
    db: -Infinity,
    flag: true,
    color: 'GREEN',
    far: 7,
  },
  nested: {
    inner: { name: 'a', numbers: [1, -2, 3], blob: Buffer.from('x'), child: { name: 'b', child: { name: '深い' } } },
    inners: [{ name: 'one' }, {}, { numbers: [2147483647, -2147483648] }],
    words: ['', 'two', 'trois', 'ü'.repeat(100)],
    longs: ['0', '-1', '4294967296', '-9223372036854775808'],
    colors: ['RED', 'COLOR_UNSPECIFIED', 'GREEN'],
    doubles: [0, -0, 1e308, NaN],
    fixed_list: [0, 1, 4294967295],
    blobs: [Buffer.alloc(0), Buffer.from([1, 2, 3])],
    flags: [true, false, true],
  },
  maps: {
    by_name: { a: { name: 'A' }, ключ: { numbers: [1] }, '': {} },
    by_id: { '-5': 'minus five', '9007199254740993': 'big' },
    by_flag: { true: Buffer.from('yes'), false: Buffer.alloc(0) },
    color_by_name: { r: 'RED', g: 'GREEN' },
  },
  oneofText: { choice_text: 'picked' },
  oneofInner: { choice_inner: { name: 'inner choice' } },
  oneofNumber: { choice_number: '-42' },
  wrappers: {
    wrapped_text: { value: 'wrapped' },
    wrapped_long: { value: '-7' },
    at: { seconds: '1700000000', nanos: 999999999 },
    maybe: 0,
  },
};

/** Valid encodings no serializer of ours produces, but other peers may send. */
const RICH_WIRE: Record<string, Buffer> = {
  'repeated numbers unpacked': bytes(tag(20, 0), varint(1), tag(20, 0), varint(-1), tag(21, 0), varint(2)),
  'packed and unpacked mixed': bytes(len(20, varint(5)), tag(20, 0), varint(6), len(36, [1, 0, 1]), tag(36, 0), 0),
  'fields out of order, scalars repeated (the last wins)': bytes(tag(3, 0), varint(1), str(1, 'b'), tag(3, 0), varint(2), str(1, 'a')),
  'negative int32 and enum in ten bytes': bytes(tag(3, 0), varint(-1), tag(16, 0), varint(-3)),
  'unknown enum value': bytes(tag(16, 0), varint(99), tag(21, 0), varint(77)),
  'unknown fields of every wire type': bytes(
    tag(900, 0),
    varint(2n ** 63n),
    tag(901, 1),
    Array(8).fill(0xab),
    len(902, [0xff, 0xfe]),
    tag(903, 3),
    tag(1, 0),
    1,
    len(2, [0xc3, 0x28]),
    tag(3, 3),
    tag(3, 4),
    tag(903, 4),
    tag(904, 5),
    [1, 2, 3, 4],
    str(1, 'known'),
  ),
  'a tag in five bytes': bytes([0x98, 0x80, 0x80, 0x80, 0x00], varint(9)),
  'map entries with key or value missing, and a repeated key': bytes(
    len(24, str(2, 'no key')),
    len(24, [...tag(1, 0), ...varint(3)]),
    len(24, [...tag(1, 0), ...varint(3), ...str(2, 'three')]),
    len(34, str(1, 'no color')),
  ),
  'a map entry with unknown fields': bytes(len(24, [...tag(1, 0), 1, ...str(2, 'one'), ...tag(9, 0), 5])),
  'a bool of a five-byte varint past 32 bits with low bits set': bytes(tag(15, 0), varint(2n ** 32n + 1n)),
  'a bool of a ten-byte varint': bytes(tag(15, 0), varint(-2)),
  'a bool of an over-long zero': bytes(tag(15, 0), [0x80, 0x00]),
  'an empty sub-message': bytes(len(17, [])),
  'a long string in a nested message': bytes(len(17, str(1, `${'é'.repeat(300)}✓`))),
  'a oneof member repeated (the last wins)': bytes(str(26, 'first'), str(26, 'second')),
};

describe('a strictly decoded message', () => {
  it.each(Object.entries(RICH_VALUES))('decodes %s exactly as proto-loader does', (_name, value) => {
    const wire = rich.plain.serialize(value);
    const decoded = rich.strict.deserialize(wire);
    expect(decoded).toEqual(rich.plain.deserialize(wire));
  });

  it.each(Object.entries(RICH_WIRE))('decodes %s exactly as proto-loader does', (_name, wire) => {
    expect(rich.strict.deserialize(wire)).toEqual(rich.plain.deserialize(wire));
  });

  it('keeps Buffers for bytes fields, strings for 64-bit integers and enum names', () => {
    const decoded = rich.strict.deserialize(rich.plain.serialize(RICH_VALUES.scalars!)) as Record<string, unknown>;
    expect(Buffer.isBuffer(decoded.blob)).toBe(true);
    expect(decoded.i64).toBe('-9223372036854775808');
    expect(decoded.color).toBe('GREEN');
  });

  it('decodes proto2 groups and proto2 strings that are not UTF-8 as proto-loader does', () => {
    const wire = bytes(len(1, [0x61, 0xff]), tag(2, 3), tag(3, 0), 7, str(4, 'label'), tag(2, 4), tag(5, 0), 9);
    const decoded = legacy.strict.deserialize(wire);
    expect(decoded).toEqual(legacy.plain.deserialize(wire));
    expect(decoded).toMatchObject({ part: { size: 7, label: 'label' }, after: 9 });
  });
});

describe('what strict decoding leaves as proto-loader has it (protobufjs, pinned as today)', () => {
  it('gives a 64-bit map key read from the wire as an 8-byte hash string, not its decimal value (today: as proto-loader)', () => {
    const wire = rich.plain.serialize({ by_id: { '5': 'five' } });
    const decoded = rich.strict.deserialize(wire) as { by_id: Record<string, string> };
    expect(decoded.by_id).toEqual({ '\u0005\u0000\u0000\u0000\u0000\u0000\u0000\u0000': 'five' });
    expect(decoded).toEqual(rich.plain.deserialize(wire));
  });

  it('encodes the bool map key "false" as true (today: proto-loader\'s serializer, untouched)', () => {
    expect(rich.strict.serialize({ by_flag: { false: Buffer.from('f') } })).toEqual(bytes(len(25, [...tag(1, 0), 1, ...len(2, [0x66])])));
  });
});

/** Damaged bytes: what proto-loader alone makes of them, and what the strict decoder says. */
const DAMAGED: [name: string, wire: Buffer, error: RegExp][] = [
  ['a string whose length runs past the end (0a 05 61 62)', hex('0a 05 61 62'), /field 1 'text' of 5 bytes where 2 remain/],
  ['a nested message whose length runs past the end', bytes(tag(17, 2), 9, str(1, 'ab')), /field 17 'inner' of 9 bytes where 4 remain/],
  ['a string field running past the end of its nested message', bytes(len(17, [...tag(1, 2), 5, 0x61])), /Inner: has field 1 'name' of 5 bytes where 1 remain/],
  ['a truncated tag', hex('a0'), /a tag cut off/],
  ['a truncated length', bytes(tag(1, 2), 0x80), /the length of field 1 'text' cut off/],
  ['an int64 varint cut off after four bytes', bytes(tag(4, 0), [0x80, 0x80, 0x80, 0x80]), /varint cut off/],
  ['an int64 varint cut off after three bytes', bytes(tag(4, 0), [0xff, 0xff, 0xff]), /varint cut off/],
  ['an int32 varint cut off', bytes(tag(3, 0), [0xff, 0xff]), /varint cut off/],
  ['a varint of eleven bytes', bytes(tag(4, 0), Array(10).fill(0xff), 0x01), /longer than 10 bytes/],
  ['a varint past 64 bits', bytes(tag(4, 0), Array(9).fill(0xff), 0x02), /past 64 bits/],
  ['an int32 varint of six bytes', bytes(tag(3, 0), [0x81, 0x80, 0x80, 0x80, 0x80, 0x00], tag(5, 0), 1), /32-bit varint of 6 bytes/],
  ['a tag of six bytes', hex('8a 80 80 80 80 00 06 61 62 63 64 65 66'), /a tag longer than 5 bytes/],
  ['a bool whose low 32 bits are zero', bytes(tag(15, 0), varint(2n ** 32n)), /bool whose low 32 bits are zero/],
  ['a fixed64 cut off', bytes(tag(10, 1), [1, 2, 3]), /64-bit value cut off/],
  ['a fixed32 cut off', bytes(tag(9, 5), [1, 2]), /32-bit value cut off/],
  ['a string sent as a varint', bytes(tag(1, 0), 5, ...Buffer.from('abcde')), /field 1 'text' with wire type 0 instead of 2/],
  ['a string with wire type 6', bytes(tag(1, 6), 2, 0x61, 0x62), /field 1 'text' with wire type 6 instead of 2/],
  ['a message field sent as fixed32', bytes(tag(17, 5), [1, 2, 3, 4]), /field 17 'inner' with wire type 5/],
  ['a singular int32 sent packed', bytes(len(3, [1, 2])), /field 3 'i32' with wire type 2 instead of 0/],
  ['an unknown field with wire type 7', bytes(tag(15, 7), 1), /field 15 'flag' with wire type 7/],
  ['an unknown field number with wire type 6', bytes(tag(99, 6), 1), /field 99 with the invalid wire type 6/],
  ['field number 0', bytes(tag(0, 2), 1, 0x61), /field numbered 0/],
  ['an end-group tag that closes nothing', bytes(tag(1, 4)), /end-group tag of field 1 that closes no group/],
  ['an unknown group left open', bytes(tag(99, 3), tag(1, 0), 1), /group \(field 99\) without its end tag/],
  ['an unknown group closed by another field number', bytes(tag(99, 3), tag(98, 4)), /end-group tag of field 98/],
  ['a packed fixed32 list of 5 bytes', bytes(len(33, [1, 2, 3, 4, 5])), /packed field 33 'fixed_list' of 5 bytes/],
  ['a packed varint list whose last varint runs past it', bytes(len(20, [1, 0x80]), 0x01), /varint cut off/],
  ['a string that is not UTF-8 (c3 28)', bytes(len(1, [0xc3, 0x28])), /field 1 'text' that is not UTF-8/],
  ['a string with a UTF-16 surrogate (ed a0 80)', bytes(len(1, [0xed, 0xa0, 0x80])), /not UTF-8/],
  ['a string with an over-long NUL (c0 80)', bytes(len(1, [0xc0, 0x80])), /not UTF-8/],
  ['a long string whose last byte is cut in half', bytes(len(1, [...Buffer.from('é'.repeat(100)), 0xc3])), /not UTF-8/],
  ['a repeated string that is not UTF-8', bytes(str(19, 'ok'), len(19, [0xff])), /field 19 'words' that is not UTF-8/],
  ['a nested string that is not UTF-8', bytes(len(17, len(4, len(1, [0x80])))), /Inner: has field 1 'name' that is not UTF-8/],
  ['a map key that is not UTF-8', bytes(len(23, [...len(1, [0xfe]), ...len(2, [])])), /the key of field 23 'by_name' that is not UTF-8/],
  ['a map value that is not UTF-8', bytes(len(24, [...tag(1, 0), 1, ...len(2, [0xe2, 0x82])])), /the value of field 24 'by_id' that is not UTF-8/],
  ['a wrapper whose string is not UTF-8', bytes(len(29, len(1, [0xf8, 0x88, 0x80, 0x80, 0x80]))), /StringValue: has field 1 'value' that is not UTF-8/],
  ['a map entry whose length runs past the end', bytes(tag(24, 2), 8, tag(1, 0), 1), /field 24 'by_id' of 8 bytes where 2 remain/],
  ['a singular message field sent twice', bytes(len(17, str(1, 'a')), len(17, varint(0).slice(1))), /field 17 'inner' twice/],
  ['a map value message sent twice in one entry', bytes(len(23, [...str(1, 'k'), ...len(2, []), ...len(2, [])])), /the value of field 23 'by_name' twice/],
  ['two members of one oneof', bytes(str(26, 'text'), tag(28, 0), 5), /field 28 'choice_number' and field 26 of the same oneof/],
  ['messages nested past 100 levels', nest(101), /nests deeper than 100/],
];

function nest(depth: number): Buffer {
  let inner: number[] = [];
  for (let i = 0; i < depth; i++) inner = len(4, inner);
  return bytes(len(17, inner));
}

describe('a damaged message', () => {
  it.each(DAMAGED)('is refused: %s', (_name, wire, error) => {
    expect(() => rich.strict.deserialize(wire)).toThrow(error);
  });

  it('names the message type and where the bad field starts', () => {
    expect(() => rich.strict.deserialize(bytes(str(1, 'ok'), len(17, len(1, [0xff]))))).toThrow(
      "invalid switchboard.strict.Inner: has field 1 'name' that is not UTF-8 (in the field at byte 7)",
    );
  });

  // What proto-loader alone answers: each of these would reach a handler as a different message.
  it.each([
    ['a length past the end', hex('0a 05 61 62'), { text: 'ab' }],
    ['invalid UTF-8', bytes(len(1, [0xc3, 0x28])), { text: '\ufffd(' }],
    ['a truncated int64 varint', bytes(tag(4, 0), [0x80, 0x80, 0x80, 0x80]), { i64: '0' }],
    ['a string sent as a varint', bytes(tag(1, 0), 5, ...Buffer.from('abcde')), { text: 'abcde' }],
    ['a six-byte tag', hex('8a 80 80 80 80 00 06 61 62 63 64 65 66'), { text: 'ef' }],
    ['a bool of 2^32', bytes(tag(15, 0), varint(2n ** 32n)), { flag: false }],
    ['two oneof members', bytes(str(26, 'text'), tag(28, 0), 5), { choice_text: 'text', choice_number: '5' }],
  ])('is one proto-loader alone decodes without complaint: %s', (_name, wire, seen) => {
    expect(rich.plain.deserialize(wire)).toMatchObject(seen);
    expect(() => rich.strict.deserialize(wire)).toThrow(/^invalid switchboard\.strict\./);
  });
});

describe('isUtf8Range', () => {
  const cases: number[][] = [
    [],
    [0x41],
    [0x7f],
    [0xc2, 0x80],
    [0xdf, 0xbf],
    [0xe0, 0xa0, 0x80],
    [0xef, 0xbf, 0xbf],
    [0xf0, 0x90, 0x80, 0x80],
    [0xf4, 0x8f, 0xbf, 0xbf],
    [0x80],
    [0xbf],
    [0xc0, 0x80],
    [0xc1, 0xbf],
    [0xc2],
    [0xc2, 0x41],
    [0xe0, 0x80, 0x80],
    [0xe0, 0x9f, 0xbf],
    [0xed, 0x9f, 0xbf],
    [0xed, 0xa0, 0x80],
    [0xed, 0xbf, 0xbf],
    [0xee, 0x80, 0x80],
    [0xe1, 0x80],
    [0xf0, 0x80, 0x80, 0x80],
    [0xf0, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80, 0x80, 0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0xff],
    [0xf1, 0x80, 0x80],
    [0x41, 0x42, 0x43, 0xc3],
    [0x41, 0x42, 0x43, 0x44, 0xc3, 0xa9],
  ];
  it.each(cases.map((c) => [Buffer.from(c).toString('hex'), c] as const))('agrees with node:buffer isUtf8 on %s', (_hex, c) => {
    const padded = Buffer.from([0x80, ...c, 0x80]);
    expect(isUtf8Range(padded, 1, padded.length - 1)).toBe(isUtf8(Buffer.from(c)));
  });

  it('agrees with node:buffer isUtf8 on 20000 random byte strings made mostly of UTF-8 pieces', () => {
    const random = prng(0x5eed);
    const pieces = [[0x61], [0xc3, 0xa9], [0xe2, 0x9c, 0x93], [0xf0, 0x9d, 0x84, 0x9e], [0xed, 0xa0, 0x80], [0xc0], [0x80], [0xf4, 0x90]];
    let disagreements = 0;
    for (let n = 0; n < 20000; n++) {
      const parts: number[] = [];
      const count = random() % 12;
      for (let i = 0; i < count; i++) {
        parts.push(...(random() % 4 === 0 ? [random() % 256] : pieces[random() % 5]!));
      }
      const buf = Buffer.from(parts);
      if (isUtf8Range(buf, 0, buf.length) !== isUtf8(buf)) disagreements++;
    }
    expect(disagreements).toBe(0);
  });
});

/** A small deterministic generator (xorshift32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
