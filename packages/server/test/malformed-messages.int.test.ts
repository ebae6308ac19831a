import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { assertPeerAvailable, Echo, grpcFrame, PEER_PYTHON, rawExchange } from '@switchboard/test-support';
import { collect, startEcho, unary, type EchoHarness } from './harness';

const serialize = (request: object): Buffer => Echo.methods.get('Unary')!.definition.requestSerialize(request);
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/**
 * EchoRequest bytes a server must refuse (field 1 `message` is a string, 2
 * `count` an int32). proto-loader alone reads all but the cut-off varint as
 * some other request.
 */
const DAMAGED: [name: string, bytes: Buffer][] = [
  ['a string whose length runs past the end (0a 05 61 62, read as "ab")', hex('0a 05 61 62')],
  ['a string that is not UTF-8 (0a 02 c3 28, read as "\\ufffd(")', hex('0a 02 c3 28')],
  ['an int32 varint cut off by the end (10 ff ff)', hex('0a 01 61 10 ff ff')],
  ['field 1 with the invalid wire type 6', hex('0e 02 61 62')],
  ['the string field sent as a varint (08 05 …, read as "abcde")', hex('08 05 61 62 63 64 65')],
];

describe('a Switchboard server given a damaged request message', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho();
  });
  afterEach(() => h.close());

  const raw = (method: string, body: Buffer) => rawExchange(h.port, `/switchboard.test.Echo/${method}`, body);

  const stillServes = () => expect(unary(h.client, 'Unary', { message: 'still serving' })).resolves.toMatchObject({ message: 'still serving' });

  it.each(DAMAGED)('answers a unary call with INTERNAL and keeps serving: %s', async (_name, bytes) => {
    const response = await raw('Unary', grpcFrame(bytes));
    expect(response.status).toBe(grpc.status.INTERNAL);
    expect(response.body).toHaveLength(0);
    await stillServes();
  });

  it.each(DAMAGED)('answers a client stream with INTERNAL when its second message is damaged: %s', async (_name, bytes) => {
    const response = await raw('ClientStream', Buffer.concat([grpcFrame(serialize({ message: 'good' })), grpcFrame(bytes)]));
    expect(response.status).toBe(grpc.status.INTERNAL);
    expect(response.body).toHaveLength(0);
    await stillServes();
  });

  it('answers a server stream and a bidi call with INTERNAL for a damaged request', async () => {
    const [[, bytes]] = DAMAGED as [[string, Buffer]];
    const stream = await raw('ServerStream', grpcFrame(bytes));
    expect(stream.status).toBe(grpc.status.INTERNAL);
    expect(stream.body).toHaveLength(0);
    const bidi = await raw('Bidi', Buffer.concat([grpcFrame(serialize({ message: 'first' })), grpcFrame(bytes)]));
    expect(bidi.status).toBe(grpc.status.INTERNAL);
    await stillServes();
    await expect(collect(h.client.ServerStream!({ message: 's', count: 2 }) as AsyncIterable<unknown>)).resolves.toHaveLength(2);
  });

  it('takes any bytes in a bytes field, and multi-byte UTF-8 in a string field', async () => {
    const payload = Buffer.from([0xc3, 0x28, 0xff, 0x00, 0xed, 0xa0, 0x80]);
    const response = await raw('Unary', grpcFrame(serialize({ message: 'ünï ✓ 𝄞', payload })));
    expect(response.status).toBe(grpc.status.OK);
    const reply = Echo.methods.get('Unary')!.definition.responseDeserialize(response.body.subarray(5)) as { message: string; payload: Buffer };
    expect(reply.message).toBe('ünï ✓ 𝄞');
    expect(reply.payload).toEqual(payload);
  });
});

/**
 * python3-grpcio (gRPC's C core) as the sender: unary and client-stream
 * calls whose request bytes pass through unserialized, each followed by a
 * good call on the same channel.
 */
const PEER_SCRIPT = `
import json, sys
from wire import DEFAULT_TIMEOUT_S, attempt, channel, method
target, args = sys.argv[1], json.loads(sys.argv[2])
good = bytes.fromhex(args["good"])
with channel(target) as ch:
    unary = method(ch, "unary_unary", "/switchboard.test.Echo/Unary")
    client_stream = method(ch, "stream_unary", "/switchboard.test.Echo/ClientStream")
    out = []
    for case in args["damaged"]:
        bad = bytes.fromhex(case)
        out.append({
            "unary": attempt(lambda: unary(bad, timeout=DEFAULT_TIMEOUT_S).hex()),
            "clientStream": attempt(lambda: client_stream(iter([good, bad]), timeout=DEFAULT_TIMEOUT_S).hex()),
            "next": attempt(lambda: unary(good, timeout=DEFAULT_TIMEOUT_S).hex()),
        })
    print(json.dumps(out))
`;

interface Outcome {
  ok: boolean;
  code?: string;
  value?: string;
}

describe('a Switchboard server given damaged request bytes by python3-grpcio', () => {
  let h: EchoHarness;
  beforeAll(async () => {
    assertPeerAvailable();
    h = await startEcho();
  });
  afterAll(() => h.close());

  it('answers every damaged unary and client-stream request with INTERNAL and the next good call on the channel succeeds', async () => {
    const good = serialize({ message: 'from python' });
    const args = { good: good.toString('hex'), damaged: DAMAGED.map(([, bytes]) => bytes.toString('hex')) };
    const { stdout } = await promisify(execFile)(PEER_PYTHON, ['-c', PEER_SCRIPT, `127.0.0.1:${h.port}`, JSON.stringify(args)], {
      env: { ...process.env, PYTHONPATH: path.join(__dirname, '../../../testing/peer'), PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 30_000,
    });
    const report = JSON.parse(stdout) as { unary: Outcome; clientStream: Outcome; next: Outcome }[];
    expect(report).toHaveLength(DAMAGED.length);
    const reply = (outcome: Outcome): unknown => Echo.methods.get('Unary')!.definition.responseDeserialize(Buffer.from(outcome.value ?? '', 'hex'));
    for (const outcome of report) {
      expect(outcome.unary).toMatchObject({ ok: false, code: 'INTERNAL' });
      expect(outcome.clientStream).toMatchObject({ ok: false, code: 'INTERNAL' });
      expect(outcome.next).toMatchObject({ ok: true });
      expect(reply(outcome.next)).toMatchObject({ message: 'from python' });
    }
  });
});
