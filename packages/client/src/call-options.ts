import * as grpc from '@grpc/grpc-js';
import type { CallContext, MethodDescriptor } from '@switchboard/core';
import type { ClientConfig } from './client-config';

/** What may be set on one call. */
export interface CallOptions {
  /** Deadline of this call in ms from now; overrides the configured one. 0 for none; below 0, already past. */
  deadlineMs?: number;
  /** Absolute deadline of this call; overrides `deadlineMs`. */
  deadline?: Date;
  /** Metadata for this call, merged over the client's configured metadata. */
  metadata?: grpc.Metadata | Record<string, string | Buffer>;
  /** Cancels the call when it aborts. */
  signal?: AbortSignal;
  /** Receives the response headers. */
  onHeader?: (headers: grpc.Metadata) => void;
  /** Receives the trailers, on success and on error. */
  onTrailer?: (trailers: grpc.Metadata) => void;
  /** Waits for a connection (to the deadline) instead of failing fast with UNAVAILABLE; overrides the configured `waitForReady`. */
  waitForReady?: boolean;
}

/** What one call is made with, all settings resolved. @internal */
export interface ResolvedCall {
  readonly metadata: grpc.Metadata;
  readonly options: grpc.CallOptions;
  /** Signals that cancel the call: the caller's and, when propagated, the incoming call's. */
  readonly signals: AbortSignal[];
  /** Told once when the call on the wire has ended, with its error (undefined for OK). */
  readonly onEnd?: (error: Error | undefined) => void;
}

/**
 * grpc-js reads wait-for-ready from the call's metadata options only
 * (`Metadata#getOptions().waitForReady`); 1.14.7 parses `waitForReady` in a
 * service config's methodConfig but never applies it.
 */
const WAIT_FOR_READY = Object.freeze({ waitForReady: true });

/**
 * Resolves a call's deadline, metadata and cancellation. Inside a handler
 * (`parent` set) the incoming call is the grpc-js parent: its deadline caps
 * this one (grpc-js takes the earlier) unless `propagateDeadline` is off, and
 * its signal cancels this call unless `propagateCancellation` is off.
 */
export function resolveCall(method: MethodDescriptor, config: ClientConfig, options: CallOptions, parent: CallContext | undefined): ResolvedCall {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(config.metadata)) metadata.set(k, v);
  if (options.metadata instanceof grpc.Metadata) metadata.merge(options.metadata);
  else if (options.metadata) for (const [k, v] of Object.entries(options.metadata)) metadata.set(k, v);

  if (options.waitForReady ?? config.methods[method.name]?.waitForReady ?? config.waitForReady) metadata.setOptions(WAIT_FOR_READY);

  const deadlineMs = options.deadlineMs ?? (config.methods[method.name]?.deadlineMs || config.deadlineMs);
  const callOptions: grpc.CallOptions = {};
  if (options.deadline) callOptions.deadline = sendable(method, options.deadline.getTime());
  else if (deadlineMs !== 0) callOptions.deadline = sendable(method, Date.now() + deadlineMs);

  const signals: AbortSignal[] = [];
  if (options.signal) signals.push(options.signal);
  if (parent !== undefined) {
    if (config.propagateDeadline) {
      callOptions.parent = parent.grpcCall;
      callOptions.propagate_flags = grpc.propagate.DEADLINE;
    }
    if (config.propagateCancellation) signals.push(parent.signal);
  }
  return { metadata, options: callOptions, signals };
}

/** The farthest deadline `grpc-timeout` can carry: 8 digits of hours (grpc-js throws, in a promise job, beyond it). */
const FARTHEST_MS = 99_999_999 * 3_600_000;

/**
 * A deadline grpc-js can take: one farther than `grpc-timeout` can say is
 * sent as the farthest it can (as grpc-go does); one that is not a time (NaN,
 * an invalid Date) is refused here: grpc-js would throw it where nothing
 * catches it.
 */
function sendable(method: MethodDescriptor, deadline: number): number {
  if (Number.isNaN(deadline)) throw new Error(`${method.path}: the deadline is not a time (NaN or an invalid Date)`);
  return Math.min(deadline, Date.now() + FARTHEST_MS);
}
