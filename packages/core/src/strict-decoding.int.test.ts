import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { assertPeerAvailable, PEER_PYTHON } from '@switchboard/test-support';
import { GOOGLE_PROTOS_DIR, PROTO_LOADER_OPTIONS, loadProto } from './proto';

/*
 * Differential test against protobuf's C++ parser (python3-protobuf, the
 * `cpp` implementation): damaged copies of valid messages go through the
 * strict decoder, and every one it accepts must be a message C++ accepts too,
 * with the same content. Content is compared in C++: the bytes sent, parsed
 * without unknown fields, against the strict decoder's result encoded again.
 * Two maps cannot make that round trip through protobufjs (it gives 64-bit
 * map keys as 8-byte hash strings, and encodes the bool key "false" as true),
 * so C++ reports their entries and they are compared here.
 */

const FIXTURE = path.join(__dirname, 'strict-decoding.fixture.proto');
const TYPE = 'switchboard.strict.Rich';

type Codec = { serialize(value: object): Buffer; deserialize(bytes: Buffer): object };
const strict = loadProto(FIXTURE).definition[TYPE] as unknown as Codec;
const plain = protoLoader.loadSync(FIXTURE, { ...PROTO_LOADER_OPTIONS, includeDirs: [__dirname, GOOGLE_PROTOS_DIR] })[TYPE] as unknown as Codec;

const ORACLE = `
import importlib.util, json, sys
from google.protobuf.internal import api_implementation
from google.protobuf.json_format import MessageToDict
assert api_implementation.Type() in ('cpp', 'upb'), api_implementation.Type()
spec = importlib.util.spec_from_file_location('fixture_pb2', sys.argv[1])
pb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pb)
def parse(data):
    m = pb.Rich()
    m.ParseFromString(data)
    m.DiscardUnknownFields()
    maps = {'by_id': {str(k): v for k, v in m.by_id.items()},
            'by_flag': {str(k).lower(): v.hex() for k, v in m.by_flag.items()}}
    m.ClearField('by_id')
    m.ClearField('by_flag')
    return MessageToDict(m, preserving_proto_field_name=True), maps
for line in sys.stdin:
    case = json.loads(line)
    try:
        sent, maps = parse(bytes.fromhex(case['sent']))
    except Exception as e:
        print(json.dumps({'parsed': False, 'same': False}))
        continue
    print(json.dumps({'parsed': True, 'same': sent == parse(bytes.fromhex(case['decoded']))[0], 'maps': maps}))
`;

interface Verdict {
  parsed: boolean;
  same: boolean;
  maps?: DifficultMaps;
}
/** The entries of the two maps protobufjs cannot encode again, as C++ read them. */
interface DifficultMaps {
  by_id: Record<string, string>;
  by_flag: Record<string, string>;
}

interface Decoded {
  sent: Buffer;
  /** The decoded message, encoded again. */
  decoded: Buffer;
  maps: DifficultMaps;
}

/**
 * The two maps of a decoded message as C++ gives them: decimal 64-bit keys,
 * bytes in hex. (protobufjs gives a key read from the wire as its 8-byte hash,
 * and a missing key as "0".)
 */
function difficultMaps(message: { by_id: Record<string, string>; by_flag: Record<string, Buffer> }): DifficultMaps {
  const decimal = (key: string): string => {
    if (key.length !== 8) return key;
    let value = 0n;
    for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(key.charCodeAt(i));
    return BigInt.asIntN(64, value).toString();
  };
  const byId = Object.entries(message.by_id).map(([key, v]) => [decimal(key), v]);
  const byFlag = Object.entries(message.by_flag).map(([k, v]) => [k, v.toString('hex')]);
  return { by_id: Object.fromEntries(byId) as Record<string, string>, by_flag: Object.fromEntries(byFlag) as Record<string, string> };
}

/** Asks the C++ parser about each (bytes sent, our decoding re-encoded) pair. */
function oracle(cases: Decoded[]): Verdict[] {
  const input = cases.map((c) => JSON.stringify({ sent: c.sent.toString('hex'), decoded: c.decoded.toString('hex') })).join('\n');
  const out = execFileSync(PEER_PYTHON, ['-c', ORACLE, generated], { input, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Verdict);
}

let tmp: string;
let generated: string;
beforeAll(() => {
  assertPeerAvailable();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strict-decoding-'));
  execFileSync('protoc', ['-I', __dirname, '--python_out', tmp, path.basename(FIXTURE)]);
  generated = path.join(tmp, 'strict_decoding', 'fixture_pb2.py');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SEEDS: object[] = [
  { text: 'héllo ✓', i32: -5, i64: '-9007199254740993', u64: '18446744073709551615', flag: true, color: 'RED', sf64: '-2', f32: 7 },
  { inner: { name: 'n', numbers: [1, -1, 300], child: { name: 'c', blob: Buffer.from([0xff]) } }, inners: [{ name: 'i' }, {}] },
  { words: ['a', 'ü', ''], longs: ['1', '-1'], colors: ['GREEN', 'RED'], fixed_list: [1, 2], flags: [true, false], blobs: [Buffer.from('b')] },
  { by_name: { k: { name: 'v' }, é: {} }, by_id: { '-3': 'x', '77': 'ÿ' }, by_flag: { true: Buffer.from([1]) }, color_by_name: { c: 'GREEN' } },
  { choice_inner: { name: 'o', numbers: [5] }, wrapped_text: { value: 'w' }, wrapped_long: { value: '9' }, at: { seconds: '5', nanos: 6 }, maybe: 3 },
  { choice_text: 'pick', far: 1, s32: -77, s64: '-88', u32: 4000000000, fl: 0.25, db: 3.5 },
];

/** Damaged copies of the seeds: bits flipped, bytes changed, dropped, inserted, cut, repeated. */
function mutants(count: number, seed: number): Buffer[] {
  let x = seed >>> 0;
  const random = (n: number): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
  const seeds = SEEDS.map((s) => strict.serialize(s));
  const out: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    let bytes = [...seeds[random(seeds.length)]!];
    for (let edits = 1 + random(3); edits > 0 && bytes.length > 0; edits--) {
      const at = random(bytes.length);
      switch (random(7)) {
        case 0:
          bytes[at] = bytes[at]! ^ (1 << random(8));
          break;
        case 1:
          bytes[at] = random(256);
          break;
        case 2:
          bytes.splice(at, 1);
          break;
        case 3:
          bytes.splice(at, 0, random(256));
          break;
        case 4:
          bytes = bytes.slice(0, at);
          break;
        case 5:
          bytes.splice(at, 0, ...bytes.slice(at, at + 1 + random(8)));
          break;
        default:
          bytes[at] = (bytes[at]! + (random(2) === 0 ? 1 : 255)) & 0xff;
      }
    }
    out.push(Buffer.from(bytes));
  }
  return out;
}

/** Each input a decoder accepts, with what it made of it (`decoded` is empty when protobufjs cannot encode that again). */
function accepted(decode: (bytes: Buffer) => object, inputs: Buffer[]): Decoded[] {
  const out: Decoded[] = [];
  for (const sent of inputs) {
    let decoded: object;
    try {
      decoded = decode(sent);
    } catch {
      continue;
    }
    try {
      out.push({ sent, decoded: strict.serialize(decoded), maps: difficultMaps(decoded as Parameters<typeof difficultMaps>[0]) });
    } catch {
      out.push({ sent, decoded: Buffer.alloc(0), maps: { by_id: {}, by_flag: { unencodable: '' } } });
    }
  }
  return out;
}

/** The inputs on which C++ disagrees: it refuses them, reads other content, or other entries in the two maps. */
function disagreements(cases: Decoded[]): string[] {
  const verdicts = oracle(cases);
  expect(verdicts).toHaveLength(cases.length);
  return cases
    .filter((c, i) => {
      const v = verdicts[i]!;
      return !v.parsed || !v.same || JSON.stringify(sorted(v.maps)) !== JSON.stringify(sorted(c.maps));
    })
    .map((c) => c.sent.toString('hex'));
}

function sorted(maps: DifficultMaps | undefined): unknown {
  return maps && [Object.entries(maps.by_id).sort(), Object.entries(maps.by_flag).sort()];
}

describe('the strict decoder against protobuf C++', () => {
  const inputs = mutants(20000, 0xdec0de);

  it('accepts only damaged messages that C++ accepts too, and reads them as C++ does', () => {
    const cases = accepted((b) => strict.deserialize(b), inputs);
    // Enough of the damaged inputs must still be messages for this to test anything.
    expect(cases.length).toBeGreaterThan(2000);
    expect(cases.length).toBeLessThan(inputs.length);
    expect(disagreements(cases)).toEqual([]);
  });

  it('would catch proto-loader alone, which turns some of the same inputs into other messages', () => {
    expect(disagreements(accepted((b) => plain.deserialize(b), inputs)).length).toBeGreaterThan(100);
  });
});
