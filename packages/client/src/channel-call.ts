import * as grpc from '@grpc/grpc-js';
import { Code, RpcError } from '@switchboard/core';
import { abortError } from './abort-error';
import { partialMessageAtEnd } from './partial-message-at-end';
import { writeFlagsOf } from './write-flags';

/** grpc-js's channel, as `Client#getChannel` gives it: the public `Channel` interface. */
type Channel = ReturnType<grpc.Client['getChannel']>;
type Call = ReturnType<Channel['createCall']>;

/** Where the responses and the end of a call go. @internal */
export interface CallSink {
  message(value: unknown): void;
  /** Once, at the status: the call's error, undefined for OK. */
  end(error: RpcError | undefined): void;
}

/** What one call is made of. @internal */
export interface CallParts {
  readonly channel: Channel;
  readonly path: string;
  readonly serialize: (value: object) => Buffer;
  readonly deserialize: (bytes: Buffer) => object;
  readonly metadata: grpc.Metadata;
  readonly options: grpc.CallOptions;
  /** Cancel the call when they abort. */
  readonly signals: readonly AbortSignal[];
  /** One response expected (unary, client stream): a second, or none before OK, is a violation. */
  readonly singleResponse: boolean;
  /** Response headers; what it throws fails the call. */
  readonly onHeader?: ((headers: grpc.Metadata) => void) | undefined;
  /** Trailers, before the call settles; what it throws fails a call that ended OK. */
  readonly onTrailer?: ((trailers: grpc.Metadata) => void) | undefined;
}

/** Messages queued for sending before `write` says to wait (grpc-js's Writable buffers as many). */
const WRITE_WINDOW = 16;

/**
 * One call on grpc-js's channel-level call (`Channel#createCall`, its public
 * interface for custom clients) instead of its `Client` surface: no event
 * emitter, so no `'error'` event that could fire before its listener; every
 * response read (the unary surface asks for one only, so a second response
 * left the status unread and the call waiting for its deadline); the
 * protocol checked at the status, as grpc-go does: a second response to a
 * single-response call, none, or a last message cut short before OK end the
 * call INTERNAL.
 *
 * The call's error is, in this order: what ended it here (`fail`: an abort
 * with its reason, a throwing callback or request stream, a message that
 * cannot be sent or read, a violation), the server's status, the trailer
 * callback's throw.
 * @internal
 */
export class ChannelCall {
  /** True once the status is in. */
  over = false;
  private readonly call: Call;
  private failure: RpcError | undefined;
  private responses = 0;
  /** Messages waiting for the one in flight: grpc-js takes one at a time (the next after its callback). */
  private queue: { bytes: Buffer; flags: number | undefined }[] = [];
  private sending = false;
  private halfClosing = false;
  private drain: (() => void) | undefined;

  /** Makes the call; throws (an `RpcError`) if grpc-js will not. */
  constructor(
    private readonly parts: CallParts,
    private readonly sink: CallSink,
  ) {
    const { options } = parts;
    try {
      this.call = parts.channel.createCall(parts.path, options.deadline ?? Infinity, options.host, options.parent ?? null, options.propagate_flags);
    } catch (error) {
      throw RpcError.from(error, Code.INTERNAL);
    }
    this.call.start(parts.metadata, {
      onReceiveMetadata: this.onHeader,
      onReceiveMessage: this.onMessage,
      onReceiveStatus: this.onStatus,
    });
    for (const signal of parts.signals) {
      if (signal.aborted) {
        this.onAbort({ target: signal });
        break;
      }
      signal.addEventListener('abort', this.onAbort);
    }
    if (parts.singleResponse) this.call.startRead();
  }

  /** Asks for one more response. */
  startRead(): void {
    this.call.startRead();
  }

  /**
   * Sends `message`; false when the writes in flight fill the window (then
   * await `drained()`). Throws INTERNAL for a message that cannot be serialized.
   */
  write(message: unknown): boolean {
    return this.send(encode(this.parts.serialize, message), writeFlagsOf(message));
  }

  /** Sends a message already encoded (see {@link encode}); as `write`. */
  send(bytes: Buffer, flags: number | undefined): boolean {
    if (this.sending) this.queue.push({ bytes, flags });
    else this.transmit(bytes, flags);
    return this.queue.length < WRITE_WINDOW;
  }

  /** Resolves once there is room for a write, or the call is over (grpc-js calls no write callback after the end). */
  drained(): Promise<void> {
    if (this.over || this.queue.length < WRITE_WINDOW) return Promise.resolve();
    return new Promise((resolve) => (this.drain = resolve));
  }

  /** No more requests: after the ones queued. */
  halfClose(): void {
    if (this.sending) this.halfClosing = true;
    else this.call.halfClose();
  }

  /**
   * Ends the call with `error` (the first one wins), on the server too.
   * grpc-js 1.14.7 (`ResolvingCall.getConfig`) makes the call's child, the
   * one on the wire, in a promise job after its metadata filters without
   * checking whether the call was cancelled meanwhile: a cancel in that
   * window ends the call here while its request still goes out and runs on
   * the server. The cancel is repeated once the pending promise jobs have run
   * (`setImmediate`), which reaches that child; it does nothing to a call
   * fully ended.
   */
  fail(error: RpcError): void {
    if (this.over) return;
    this.failure ??= error;
    // An error can carry OK (an abort reason shaped as a status): the call is cancelled all the same.
    const code = error.code === grpc.status.OK ? grpc.status.CANCELLED : error.code;
    this.call.cancelWithStatus(code, error.rawMessage);
    setImmediate(() => this.call.cancelWithStatus(code, error.rawMessage));
  }

  private transmit(bytes: Buffer, flags: number | undefined): void {
    this.sending = true;
    this.call.sendMessageWithContext({ callback: this.written, flags }, bytes);
  }

  private readonly written = (): void => {
    this.sending = false;
    const next = this.queue.shift();
    if (next !== undefined) this.transmit(next.bytes, next.flags);
    else if (this.halfClosing) {
      this.halfClosing = false;
      this.call.halfClose();
    }
    if (this.queue.length < WRITE_WINDOW) this.release();
  };

  private release(): void {
    const drain = this.drain;
    this.drain = undefined;
    drain?.();
  }

  private readonly onAbort = (event: { target: unknown }): void => this.fail(abortError((event.target as AbortSignal).reason));

  private readonly onHeader = (headers: grpc.Metadata): void => {
    const failure = handOver(this.parts.onHeader, headers);
    if (failure) this.fail(failure);
  };

  private readonly onMessage = (bytes: Buffer): void => {
    if (this.failure !== undefined) return;
    if (this.parts.singleResponse && ++this.responses > 1) {
      return this.fail(new RpcError(Code.INTERNAL, 'the server sent more than one response to a call that takes one'));
    }
    let value: unknown;
    try {
      value = this.parts.deserialize(bytes);
    } catch (error) {
      return this.fail(new RpcError(Code.INTERNAL, `Response message parsing error: ${messageOf(error)}`, { cause: error }));
    }
    this.sink.message(value);
    // A single-response call reads on: a second response is a violation to see, not one to leave unread.
    if (this.parts.singleResponse) this.call.startRead();
  };

  private readonly onStatus = (status: grpc.StatusObject): void => {
    this.over = true;
    for (const signal of this.parts.signals) signal.removeEventListener('abort', this.onAbort);
    this.release();
    const error = this.failure ?? (status.code === grpc.status.OK ? this.violation() : statusError(status));
    const trailerError = handOver(this.parts.onTrailer, status.metadata);
    this.sink.end(error ?? trailerError);
  };

  /** What an OK status hides: a last message cut short, or no response where one is due. */
  private violation(): RpcError | undefined {
    if (partialMessageAtEnd(this.call) === true) return new RpcError(Code.INTERNAL, 'the response stream ended inside a message');
    if (this.parts.singleResponse && this.responses === 0) return new RpcError(Code.INTERNAL, 'the server sent no response to a call that takes one');
    return undefined;
  }
}

/**
 * The error of a failed status. grpc-js 1.14.7 ends a call whose response its
 * compression filter cannot read (an encoding it does not support, a
 * compressed flag under identity) with a status without a code or details
 * (`ResolvingCall` passes the filter's Error as a status): INTERNAL, as
 * grpc-go says for both.
 */
function statusError(status: grpc.StatusObject): RpcError {
  if (typeof status.code === 'number') return RpcError.from(status);
  return new RpcError(
    Code.INTERNAL,
    'a response could not be read (grpc-js gave no status: a compression it does not support, or a compressed flag under identity)',
  );
}

/** A request message as bytes; INTERNAL when it cannot be serialized. @internal */
export function encode(serialize: (value: object) => Buffer, message: unknown): Buffer {
  try {
    return serialize(message as object);
  } catch (error) {
    throw new RpcError(Code.INTERNAL, `Request message serialization failure: ${messageOf(error)}`, { cause: error });
  }
}

/** Runs a caller's metadata callback; what it throws comes back as an error, never into grpc-js. */
function handOver(callback: ((metadata: grpc.Metadata) => void) | undefined, metadata: grpc.Metadata): RpcError | undefined {
  if (callback === undefined) return undefined;
  try {
    callback(metadata);
    return undefined;
  } catch (error) {
    return RpcError.from(error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
