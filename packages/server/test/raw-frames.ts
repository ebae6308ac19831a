import * as net from 'node:net';
import { until } from '@switchboard/test-support';

/** The 24 octets every HTTP/2 client connection starts with (RFC 9113 §3.4). */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** HTTP/2 frame types (RFC 9113 §6). */
export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

/** HTTP/2 error codes (RFC 9113 §7). */
export const H2Error = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  ENHANCE_YOUR_CALM: 11,
  FLOW_CONTROL_ERROR: 3,
} as const;

export const END_STREAM = 0x1;
export const ACK = 0x1;
export const END_HEADERS = 0x4;

/** One frame as read off the wire. */
export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** Serialises one frame: 24-bit length, type, flags, 31-bit stream id, payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an `n`-bit prefix whose high bits are `first` (RFC 7541 §5.1). */
function hpackInt(value: number, n: number, first: number): Buffer {
  const max = (1 << n) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

function hpackString(s: string): Buffer {
  const bytes = Buffer.from(s, 'latin1');
  return Buffer.concat([hpackInt(bytes.length, 7, 0), bytes]);
}

/**
 * A header block of literal fields without indexing and without Huffman
 * coding (RFC 7541 §6.2.2): what each field costs is exactly its length, and
 * the decoder's dynamic table is never touched.
 */
export function headerBlock(headers: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(headers.flatMap(([name, value]) => [Buffer.from([0]), hpackString(name), hpackString(value)]));
}

/** The request headers of a gRPC call to `path`, plus `extra`. */
export function grpcRequestHeaders(path: string, extra: readonly (readonly [string, string])[] = []): (readonly [string, string])[] {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ...extra,
  ];
}

/**
 * HEADERS then CONTINUATION frames carrying `block`, at most `maxFrame` octets
 * each; `endHeaders: false` leaves the last one without END_HEADERS.
 */
export function headersFrames(streamId: number, block: Buffer, options: { endStream?: boolean; endHeaders?: boolean; maxFrame?: number } = {}): Buffer {
  const maxFrame = options.maxFrame ?? 16384;
  const parts: Buffer[] = [];
  for (let at = 0; at === 0 || at < block.length; at += maxFrame) parts.push(block.subarray(at, at + maxFrame));
  return Buffer.concat(
    parts.map((part, i) => {
      const last = i === parts.length - 1;
      const flags = (last && options.endHeaders !== false ? END_HEADERS : 0) | (i === 0 && options.endStream ? END_STREAM : 0);
      return frame(i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId, part);
    }),
  );
}

/** An empty gRPC message (flag 0, length 0) as a DATA frame ending the request. */
export function emptyMessage(streamId: number): Buffer {
  return frame(FrameType.DATA, END_STREAM, streamId, Buffer.alloc(5));
}

/**
 * A raw TCP connection to a server that reads HTTP/2 frames: a hostile or
 * broken peer that sends exactly the bytes a test writes.
 */
export class RawConnection {
  readonly frames: Frame[] = [];
  closed = false;
  /** Octets received after the connection ended abnormally (ECONNRESET), if it did. */
  error: Error | undefined;
  private pending = Buffer.alloc(0);
  private pings = 0;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => (this.error = error));
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  /** Connects to 127.0.0.1:`port`; sends nothing. */
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** Connects and sends the connection preface with an empty SETTINGS frame. */
  static async handshake(port: number): Promise<RawConnection> {
    const c = await RawConnection.open(port);
    c.write(Buffer.concat([PREFACE, frame(FrameType.SETTINGS, 0, 0)]));
    return c;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves once the server has closed the connection. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /** The GOAWAY frames received, as error code and last stream id. */
  goaways(): { code: number; lastStreamId: number; debug: string }[] {
    return this.frames
      .filter((f) => f.type === FrameType.GOAWAY)
      .map((f) => ({
        lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff,
        code: f.payload.readUInt32BE(4),
        debug: f.payload.subarray(8).toString('latin1'),
      }));
  }

  /** The RST_STREAM error code received for `streamId`, if any. */
  rstCode(streamId: number): number | undefined {
    const rst = this.frames.find((f) => f.type === FrameType.RST_STREAM && f.streamId === streamId);
    return rst?.payload.readUInt32BE(0);
  }

  /** Whether the server ended `streamId` (a frame with END_STREAM, or RST_STREAM). */
  ended(streamId: number): boolean {
    return this.frames.some(
      (f) =>
        f.streamId === streamId &&
        (f.type === FrameType.RST_STREAM || ((f.type === FrameType.HEADERS || f.type === FrameType.DATA) && (f.flags & END_STREAM) !== 0)),
    );
  }

  /** Sends a PING and resolves once its ACK is back (the server has read all sent before it), or the connection is closed. */
  async roundTrip(): Promise<void> {
    const data = Buffer.alloc(8);
    data.writeUInt32BE(++this.pings);
    this.write(frame(FrameType.PING, 0, 0, data));
    const acked = (): boolean => this.frames.some((f) => f.type === FrameType.PING && (f.flags & ACK) !== 0 && f.payload.equals(data));
    await until(() => this.closed || acked(), 5000, 'PING ACK');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 9) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.length < 9 + length) return;
      this.frames.push({
        type: this.pending.readUInt8(3),
        flags: this.pending.readUInt8(4),
        streamId: this.pending.readUInt32BE(5) & 0x7fffffff,
        payload: this.pending.subarray(9, 9 + length),
      });
      this.pending = this.pending.subarray(9 + length);
    }
  }
}
