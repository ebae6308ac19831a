import type * as grpc from '@grpc/grpc-js';
import { Code, RpcError, type CallContext, type CallerIdentity, type CertificateIdentity, type GrpcServerCall, type MethodDescriptor } from '@switchboard/core';
import type { Abortion } from './abortion';
import { callerIdentity, certificateIdentity, type VerifiedToken } from './auth-identity';

/** How close to the deadline a client's cancel counts as the deadline. */
const DEADLINE_SLACK_MS = 20;

/**
 * The context of one incoming call. The client's cancel, the deadline and a
 * forced shutdown abort it with an `RpcError` reason: the server's steps
 * listen through {@link Abortion}, and `signal` (an AbortController, costly
 * to build) exists only once something asks for it, already aborted if the
 * call has ended. `dispose()` must run when the call ends.
 * @internal
 */
export class ServerCallContext implements CallContext, Abortion {
  readonly metadata: grpc.Metadata;
  readonly deadline: Date | undefined;
  private controller: AbortController | undefined;
  private reason: RpcError | undefined;
  private listener: ((reason: Error) => void) | undefined;
  private listeners: Set<(reason: Error) => void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private trailers: grpc.Metadata | undefined;
  /** The client certificate's identity: `null` until asked for (most calls never do). */
  private certificate: CertificateIdentity | undefined | null = null;
  private token: VerifiedToken | undefined;
  private caller: CallerIdentity | undefined | null = null;
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
    const deadline = grpcCall.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(at) ? new Date(at) : undefined;
    if (this.deadline !== undefined) {
      const left = at - Date.now();
      const expire = (): void => this.abort(new RpcError(Code.DEADLINE_EXCEEDED, 'the deadline passed'));
      if (left <= 0) expire();
      else this.timer = setTimeout(expire, left);
    }
    (grpcCall as NodeJS.EventEmitter).on('cancelled', this.onCancelled);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.reason !== undefined;
  }

  get abortReason(): RpcError | undefined {
    return this.reason;
  }

  onAbort(listener: (reason: Error) => void): () => void {
    // Most calls have one listener at most: a Set only for a second.
    if (this.listener === undefined && this.listeners === undefined) this.listener = listener;
    else (this.listeners ??= new Set()).add(listener);
    return () => {
      if (this.listener === listener) this.listener = undefined;
      else this.listeners?.delete(listener);
    };
  }

  get peer(): string {
    return this.grpcCall.getPeer();
  }

  get identity(): CallerIdentity | undefined {
    if (this.certificate === null) {
      // grpc-js gives the certificate only when it chained to server.tls.caFile (socket.authorized).
      const peer = this.grpcCall.getAuthContext().sslPeerCertificate;
      this.certificate = peer === undefined ? undefined : certificateIdentity(peer);
    }
    return (this.caller ??= callerIdentity(this.certificate, this.token));
  }

  /** Records the bearer token the authentication interceptor verified. */
  authenticate(token: VerifiedToken): void {
    this.token = token;
    this.caller = null;
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
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller?.abort(reason);
    const { listener, listeners } = this;
    this.listener = undefined;
    this.listeners = undefined;
    listener?.(reason);
    if (listeners !== undefined) for (const each of listeners) each(reason);
  }

  /** The call has ended: its timer and listeners go (the abort listeners with them, never to fire). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    (this.grpcCall as NodeJS.EventEmitter).removeListener('cancelled', this.onCancelled);
    this.listener = undefined;
    this.listeners = undefined;
  }
}
