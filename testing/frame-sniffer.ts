import * as net from 'node:net';

const PREFACE_LENGTH = 24;
const DATA_FRAME = 0x0;
const PADDED = 0x8;

/** A plaintext HTTP/2 proxy that records the compressed flag of every gRPC message, both ways. */
export interface FrameSniffer {
  readonly port: number;
  /** The compressed flag (0 or 1) of each request message, in the order they were complete on the wire. */
  readonly flags: number[];
  /** The same for each response message. */
  readonly responseFlags: number[];
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:<port> to `targetPort` and reads the bytes both ways:
 * HTTP/2 frames (after the client's connection preface); in DATA frames, per
 * stream, gRPC's length-prefixed messages, whose first byte is the compressed flag.
 */
export async function sniffMessageFlags(targetPort: number): Promise<FrameSniffer> {
  const flags: number[] = [];
  const responseFlags: number[] = [];
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    const readRequests = frameReader(PREFACE_LENGTH, messageReader(flags));
    const readResponses = frameReader(0, messageReader(responseFlags));
    client.on('data', (chunk: Buffer) => {
      readRequests(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      readResponses(chunk);
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    flags,
    responseFlags,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}

function frameReader(preface: number, onData: (stream: number, data: Buffer) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  let prefaceLeft = preface;
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    const skip = Math.min(prefaceLeft, buffered.length);
    buffered = buffered.subarray(skip);
    prefaceLeft -= skip;
    while (buffered.length >= 9 && buffered.length >= 9 + buffered.readUIntBE(0, 3)) {
      const length = buffered.readUIntBE(0, 3);
      const [type, frameFlags] = [buffered[3]!, buffered[4]!];
      const stream = buffered.readUInt32BE(5) & 0x7fffffff;
      let payload = buffered.subarray(9, 9 + length);
      if (type === DATA_FRAME) {
        if (frameFlags & PADDED) payload = payload.subarray(1, payload.length - payload[0]!);
        onData(stream, payload);
      }
      buffered = buffered.subarray(9 + length);
    }
  };
}

/** Splits each stream's DATA into gRPC messages and records their compressed flags. */
function messageReader(flags: number[]): (stream: number, data: Buffer) => void {
  const pending = new Map<number, Buffer>();
  return (stream, data) => {
    let buffered = Buffer.concat([pending.get(stream) ?? Buffer.alloc(0), data]);
    while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
      flags.push(buffered[0]!);
      buffered = buffered.subarray(5 + buffered.readUInt32BE(1));
    }
    pending.set(stream, buffered);
  };
}
