import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { until } from '@switchboard/test-support';
import { startEchoWithPeers } from './echo-with-peers';
import { unary, type EchoHarness } from './harness';
import { ACK, FrameType, H2Error, PREFACE, RawConnection, emptyMessage, frame, grpcRequestHeaders, headerBlock, headersFrames } from './raw-frames';

const run = promisify(execFile);
const UNARY = '/switchboard.test.Echo/Unary';
const LIMIT = 16384;

function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'OK',
    (e: grpc.ServiceError) => grpc.status[e.code],
  );
}

function withBig(size: number): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-big', 'a'.repeat(size));
  return md;
}

/** Request headers whose list, as HTTP/2 counts it (name + value + 32 per field), is exactly `bytes`. */
function headersOfSize(bytes: number): (readonly [string, string])[] {
  const base = grpcRequestHeaders(UNARY);
  const used = base.reduce((n, [k, v]) => n + k.length + v.length + 32, 0) + 'x-pad'.length + 32;
  return [...base, ['x-pad', 'p'.repeat(bytes - used)]];
}

/** A raw connection past the handshake; `acked` also acknowledges the server's SETTINGS first. */
async function rawConnection(port: number, acked: boolean): Promise<RawConnection> {
  const c = await RawConnection.open(port);
  c.write(Buffer.concat([PREFACE, frame(FrameType.SETTINGS, 0, 0)]));
  if (acked) {
    await until(() => c.frames.some((f) => f.type === FrameType.SETTINGS && (f.flags & ACK) === 0));
    c.write(frame(FrameType.SETTINGS, ACK, 0));
  }
  return c;
}

function request(streamId: number, headers: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat([headersFrames(streamId, headerBlock(headers)), emptyMessage(streamId)]);
}

describe('server.maxMetadataBytes', () => {
  let h: EchoHarness & { peers: string[] };
  afterEach(() => h.close());

  it('fails only a grpc-js call whose metadata is over the limit, with RESOURCE_EXHAUSTED; the calls beside it and after it go on, on the same connection', async () => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT });
    await unary(h.client, 'Unary', { message: 'connected' });
    for (const size of [20_000, 60_000, 70_000]) {
      const beside = outcome(unary(h.client, 'Unary', { message: 'beside', delay_ms: 100 }));
      await expect(outcome(unary(h.client, 'Unary', { message: 'big' }, { metadata: withBig(size) }))).resolves.toBe('RESOURCE_EXHAUSTED');
      await expect(beside).resolves.toBe('OK');
      await expect(outcome(unary(h.client, 'Unary', { message: 'after' }))).resolves.toBe('OK');
    }
    expect(new Set(h.peers).size).toBe(1);
  });

  it.each([
    ['after', true],
    ['before', false],
  ])('counts as HTTP/2 does %s the client acknowledged the setting: a header list of the limit is served, one octet more is reset', async (_when, acked) => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT });
    const c = await rawConnection(h.port, acked);
    c.write(Buffer.concat([request(1, headersOfSize(LIMIT + 1)), request(3, headersOfSize(LIMIT))]));
    await until(() => c.ended(1) && c.ended(3));
    expect(c.rstCode(1)).toBe(H2Error.ENHANCE_YOUR_CALM);
    expect(c.rstCode(3)).toBeUndefined();
    expect(c.frames.some((f) => f.type === FrameType.DATA && f.streamId === 3)).toBe(true);
    expect(c.goaways()).toEqual([]);
    c.destroy();
  });

  it('advertises the limit in SETTINGS_MAX_HEADER_LIST_SIZE', async () => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT });
    const c = await rawConnection(h.port, false);
    await until(() => c.frames.some((f) => f.type === FrameType.SETTINGS));
    const settings = c.frames.find((f) => f.type === FrameType.SETTINGS)!.payload;
    const entries = new Map<number, number>();
    for (let at = 0; at < settings.length; at += 6) entries.set(settings.readUInt16BE(at), settings.readUInt32BE(at + 2));
    expect(entries.get(0x6)).toBe(LIMIT);
    c.destroy();
  });

  it("resets a call with more fields than Node's maxHeaderListPairs (128) though under the byte limit", async () => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT });
    const c = await rawConnection(h.port, true);
    const many = Array.from({ length: 130 }, (_, i) => [`x-f${i}`, 'v'] as const);
    c.write(Buffer.concat([request(1, [...grpcRequestHeaders(UNARY), ...many]), request(3, grpcRequestHeaders(UNARY))]));
    await until(() => c.ended(1) && c.ended(3));
    expect(c.rstCode(1)).toBe(H2Error.ENHANCE_YOUR_CALM);
    expect(c.rstCode(3)).toBeUndefined();
    c.destroy();
  });
});

describe("nghttp2's hard limit of 65,536 octets on one encoded header field", () => {
  let h: EchoHarness & { peers: string[] };
  afterEach(() => h.close());

  it('resets a call with a field of 65,536 octets but ends the connection (GOAWAY COMPRESSION_ERROR) for 65,537; the server serves on', async () => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT, maxConnectionIdleMs: 300 });
    const c = await rawConnection(h.port, true);
    c.write(request(1, [...grpcRequestHeaders(UNARY), ['x-big', 'a'.repeat(65_536)]]));
    c.write(request(3, grpcRequestHeaders(UNARY)));
    await until(() => c.ended(1) && c.ended(3));
    expect(c.rstCode(1)).toBe(H2Error.ENHANCE_YOUR_CALM);
    expect(c.rstCode(3)).toBeUndefined();

    c.write(request(5, [...grpcRequestHeaders(UNARY), ['x-big', 'a'.repeat(65_537)]]));
    c.write(request(7, grpcRequestHeaders(UNARY)));
    await until(() => c.goaways().length > 0);
    expect(c.goaways()[0]).toMatchObject({ code: H2Error.COMPRESSION_ERROR, lastStreamId: 5 });
    // nghttp2 reads nothing more; Node keeps the socket until the idle limit ends it.
    await c.whenClosed();
    expect(c.ended(7)).toBe(false);
    await expect(outcome(unary(h.client, 'Unary', { message: 'after' }))).resolves.toBe('OK');
  });

  it('fails a grpc-js call of 300 KB metadata with INTERNAL and every call open on its connection; the next call reconnects', async () => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT });
    await unary(h.client, 'Unary', { message: 'connected' });
    const beside = outcome(unary(h.client, 'Unary', { message: 'beside', delay_ms: 200 }));
    await expect(outcome(unary(h.client, 'Unary', { message: 'big' }, { metadata: withBig(300_000) }))).resolves.toBe('INTERNAL');
    await expect(beside).resolves.toBe('INTERNAL');
    await expect(outcome(unary(h.client, 'Unary', { message: 'after' }))).resolves.toBe('OK');
    expect(new Set(h.peers).size).toBe(2);
  });
});

describe('independent clients and the limit', () => {
  let h: EchoHarness & { peers: string[] };
  afterEach(() => h.close());

  it('python3-grpcio (C core) sends it anyway and gets RESOURCE_EXHAUSTED for that call only, UNAVAILABLE past 64 KiB', async () => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT, maxConnectionIdleMs: 300 });
    const script = path.join(__dirname, 'metadata-peers', 'metadata_client.py');
    const { stdout } = await run('/usr/bin/python3', [script, `127.0.0.1:${h.port}`, '20000,60000,300000'], { timeout: 30_000 });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { size: number; big: { code: string }; after: { code: string } });
    expect(lines.map((l) => [l.size, l.big.code, l.after.code])).toEqual([
      [20000, 'RESOURCE_EXHAUSTED', 'OK'],
      [60000, 'RESOURCE_EXHAUSTED', 'OK'],
      [300000, 'UNAVAILABLE', 'OK'],
    ]);
  });

  it('the grpc-go client respects SETTINGS_MAX_HEADER_LIST_SIZE: it fails the call itself (INTERNAL, its choice) and sends the next', async () => {
    h = await startEchoWithPeers({ maxMetadataBytes: LIMIT });
    const client = await buildGoClient();
    const { stdout } = await run(client, ['--target', `127.0.0.1:${h.port}`, '--sizes', '20000,60000,300000'], { timeout: 30_000 });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { size: number; big: { code: string; details: string }; after: { code: string } });
    for (const line of lines) {
      expect(line.big).toEqual({ code: 'Internal', details: `header list size to send violates the maximum size (${LIMIT} bytes) set by server` });
      expect(line.after.code).toBe('OK');
    }
    expect(lines.map((l) => l.size)).toEqual([20000, 60000, 300000]);
    // Only the warm-up and the three small calls reached the server, on one connection.
    expect(h.peers).toHaveLength(4);
    expect(new Set(h.peers).size).toBe(1);
  });
});

/** Builds metadata-peers/main.go with Debian's grpc-go in GOPATH mode (as testing/go-peer does); throws naming what is missing. */
async function buildGoClient(): Promise<string> {
  const root = path.resolve(__dirname, '../../..');
  if (!fs.existsSync('/usr/share/gocode/src/google.golang.org/grpc')) {
    throw new Error('the grpc-go client needs golang-go and golang-google-grpc-dev: run `bash scripts/install-test-deps.sh` as root');
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-md-go-'));
  const pkg = path.join(work, 'src', 'mdclient');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'metadata-peers', 'main.go'), path.join(pkg, 'main.go'));
  const out = path.join(work, 'metadata-client');
  const env = {
    ...process.env,
    GOPATH: `${work}:/usr/share/gocode`,
    GO111MODULE: 'off',
    GOFLAGS: '',
    GOPROXY: 'off',
    GOCACHE: process.env['GOCACHE'] ?? path.join(root, 'node_modules/.cache/go-build'),
  };
  await run('go', ['build', '-o', out, 'mdclient'], { env, timeout: 120_000 });
  afterAllCleanups.push(() => fs.rmSync(work, { recursive: true, force: true }));
  return out;
}

const afterAllCleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of afterAllCleanups) cleanup();
});
