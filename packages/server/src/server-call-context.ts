import type * as grpc from '@grpc/grpc-js';
import { Code, RpcError, type CallContext, type GrpcServerCall, type MethodDescriptor } from '@switchboard/core';

/** How close to the deadline a client's cancel counts as the deadline. */
const DEADLINE_SLACK_MS = 20;

/**
 * The context of one incoming call. Owns the call's AbortController: the
 * client's cancel, the deadline and a forced shutdown all abort it with an
 * `RpcError` reason. `dispose()` must run when the call ends.
 * @internal
 */
export class ServerCallContext implements CallContext {
  readonly metadata: grpc.Metadata;
  readonly deadline: Date | undefined;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private trailers: grpc.Metadata | undefined;
  private readonly onCancelled = (): void => {
    // The client's own deadline timer resets the stream a moment before ours
    // fires; a cancel at the deadline is the deadline.
    if (this.deadline !== undefined && Date.now() >= this.deadline.getTime() - DEADLINE_SLACK_MS) {
      this.abort(new RpcError(Code.DEADLINE_EXCEEDED, 'the deadline passed'));
    } else {
      this.abort(new RpcError(Code.CANCELLED, 'the client cancelled the call'));
    }
  };

  constructor(
    readonly method: MethodDescriptor,
    readonly grpcCall: GrpcServerCall,
  ) {
    this.metadata = grpcCall.metadata;
    this.signal = this.controller.signal;
    const deadline = grpcCall.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(at) ? new Date(at) : undefined;
    if (this.deadline !== undefined) {
      const left = at - Date.now();
      const expire = (): void => this.abort(new RpcError(Code.DEADLINE_EXCEEDED, 'the deadline passed'));
      if (left <= 0) expire();
      else this.timer = setTimeout(expire, left);
    }
    (grpcCall as NodeJS.EventEmitter).once('cancelled', this.onCancelled);
  }

  get peer(): string {
    return this.grpcCall.getPeer();
  }

  timeRemaining(): number {
    return this.deadline === undefined ? Infinity : Math.max(0, this.deadline.getTime() - Date.now());
  }

  sendHeader(metadata: grpc.Metadata): void {
    this.grpcCall.sendMetadata(metadata);
  }

  setTrailer(metadata: grpc.Metadata): void {
    if (this.trailers === undefined) this.trailers = metadata.clone();
    else this.trailers.merge(metadata);
  }

  /** The trailers set so far, merged into `base` when given. */
  takeTrailers(base?: grpc.Metadata): grpc.Metadata | undefined {
    if (base === undefined) return this.trailers;
    if (this.trailers !== undefined) base.merge(this.trailers);
    return base;
  }

  abort(reason: RpcError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    (this.grpcCall as NodeJS.EventEmitter).removeListener('cancelled', this.onCancelled);
  }
}
