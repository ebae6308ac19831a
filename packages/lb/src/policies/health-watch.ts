import { Client, connectivityState as State, credentials, status, type ClientReadableStream, type StatusObject } from '@grpc/grpc-js';
import { BackoffTimeout, type ConnectivityStateListener, type SubchannelInterface } from '../grpc-experimental';

/**
 * Where an endpoint stands with its health service, as gRFC A17 (client-side
 * health checking) describes it:
 * - `pending`: connected, waiting for the first answer (A17: CONNECTING);
 * - `serving` / `not_serving`: the last answer (A17: READY / TRANSIENT_FAILURE);
 * - `failed`: the Watch stream ended with an error and is retried with backoff (A17: TRANSIENT_FAILURE).
 */
export type HealthState = 'pending' | 'serving' | 'not_serving' | 'failed';

const WATCH = '/grpc.health.v1.Health/Watch';
/** `HealthCheckResponse.ServingStatus.SERVING` in grpc/health/v1/health.proto. */
const SERVING = 1;

/**
 * Follows `grpc.health.v1.Health/Watch` over one subchannel's own connection
 * (`subchannel.getChannel()`, as grpc-js's ORCA out-of-band client does), so it
 * uses the channel's credentials and opens no connection of its own.
 *
 * Per gRFC A17: the stream starts when the connection is READY and is
 * cancelled when it is not; UNIMPLEMENTED means "no health service": the
 * endpoint counts as serving and the stream is not retried on this
 * connection; any other end is retried with exponential backoff, at once if
 * the ended stream had delivered an answer.
 */
export class HealthWatch {
  private current: HealthState = 'pending';
  private call: ClientReadableStream<number> | null = null;
  private unimplemented = false;
  private stopped = false;
  private readonly client: Client;
  private readonly backoff: BackoffTimeout;
  private readonly onConnectivity: ConnectivityStateListener = (_subchannel, _previous, next) => this.connectivityChanged(next);

  constructor(
    /** The subchannel whose connection is watched. */
    readonly subchannel: SubchannelInterface,
    /** The service asked about; `''` is the whole server. */
    readonly serviceName: string,
    private readonly onChange: () => void,
  ) {
    this.client = new Client('unused', credentials.createInsecure(), { channelOverride: subchannel.getChannel() });
    // grpc-js's connection backoff: 1 s, ×1.6, up to 120 s, ±20 %.
    this.backoff = new BackoffTimeout(() => this.start());
    this.backoff.unref();
    subchannel.addConnectivityStateListener(this.onConnectivity);
    if (subchannel.getConnectivityState() === State.READY) this.start();
  }

  /** The endpoint's health as last reported. */
  get state(): HealthState {
    return this.current;
  }

  /** Cancels the stream and stops following the subchannel. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.subchannel.removeConnectivityStateListener(this.onConnectivity);
    this.backoff.stop();
    this.cancel();
    // The client is not closed: its channel is the subchannel's own, shared with
    // anything else that uses it; cancelling our stream is all we hold.
  }

  private connectivityChanged(next: State): void {
    if (this.stopped) return;
    if (next === State.READY) {
      // A new connection: start over (A17: CONNECTING until the first answer).
      this.unimplemented = false;
      this.backoff.stop();
      this.backoff.reset();
      this.start();
    } else {
      this.backoff.stop();
      this.cancel();
      this.set('pending');
    }
  }

  private start(): void {
    if (this.stopped || this.call !== null || this.unimplemented) return;
    if (this.subchannel.getConnectivityState() !== State.READY) return;
    this.set('pending');
    let answered = false;
    const call = this.client.makeServerStreamRequest(WATCH, encodeRequest, decodeResponse, this.serviceName, {});
    this.call = call;
    call.on('data', (servingStatus: number) => {
      answered = true;
      this.backoff.reset();
      this.set(servingStatus === SERVING ? 'serving' : 'not_serving');
    });
    call.on('error', () => undefined); // the end is handled on 'status'
    call.on('status', (end: StatusObject) => {
      if (this.call !== call) return; // cancelled by us
      this.call = null;
      if (end.code === status.UNIMPLEMENTED) {
        this.unimplemented = true;
        this.set('serving');
        return;
      }
      this.set('failed');
      if (answered) this.start();
      else this.backoff.runOnce();
    });
  }

  private cancel(): void {
    const call = this.call;
    this.call = null;
    call?.cancel();
  }

  private set(state: HealthState): void {
    if (state === this.current) return;
    this.current = state;
    this.onChange();
  }
}

// The two messages are small enough to encode by hand (as gRFC A17 suggests
// for Java), which spares a proto file at run time:
//   message HealthCheckRequest { string service = 1; }
//   message HealthCheckResponse { ServingStatus status = 1; }

/** Encodes `HealthCheckRequest { service }`. */
export function encodeRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(bytes.length), bytes]);
}

/** Decodes `HealthCheckResponse` to its `status` (0 when absent), skipping unknown fields. */
export function decodeResponse(buffer: Buffer): number {
  let offset = 0;
  let servingStatus = 0;
  const readVarint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = buffer[offset++];
      if (byte === undefined || shift > 63) throw new Error('malformed HealthCheckResponse');
      if (shift < 32) value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (offset < buffer.length) {
    const tag = readVarint();
    const wireType = tag % 8;
    if (tag >>> 3 === 1 && wireType === 0) servingStatus = readVarint();
    else if (wireType === 0) readVarint();
    else if (wireType === 1) offset += 8;
    else if (wireType === 2) {
      const length = readVarint(); // not `offset += readVarint()`: that adds to the offset from before the length
      offset += length;
    } else if (wireType === 5) offset += 4;
    else throw new Error('malformed HealthCheckResponse');
  }
  if (offset > buffer.length) throw new Error('malformed HealthCheckResponse');
  return servingStatus;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}
