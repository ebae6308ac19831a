import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import {
  Code,
  RpcError,
  composeInterceptors,
  currentCallContext,
  oneResult,
  type ClientInterceptor,
  type KindOf,
  type KnownKeys,
  type MethodDescriptor,
  type OutgoingCall,
  type ServiceDescriptor,
} from '@switchboard/core';
import { resolveCall, type CallOptions, type ResolvedCall } from './call-options';
import type { ClientConfig } from './client-config';
import { MessageQueue } from './message-queue';
import { withWriteOptions, type WriteOptions } from './write-flags';
import { wireCall } from './wire-call';

/** A client-streaming call: write requests, end, await the one response. */
export interface ClientStreamCall<Req, Res> {
  /**
   * Resolves once the message is taken for sending; await it to respect
   * backpressure. Once the call has ended, a write not yet taken and every
   * later one rejects: with the call's `RpcError` if it failed. Not awaiting
   * it is safe: the call's outcome is in `response`.
   */
  write(message: Req, options?: WriteOptions): Promise<void>;
  /** Half-closes: no more requests. Again is a no-op; a `write` after it rejects. */
  end(): void;
  /** The response, or the call's `RpcError`. */
  readonly response: Promise<Res>;
}

/** A bidi call: write requests, end, and iterate the responses (once). */
export interface BidiCall<Req, Res> extends AsyncIterable<Res> {
  /** As {@link ClientStreamCall.write}; the call's outcome is in the iteration. */
  write(message: Req, options?: WriteOptions): Promise<void>;
  end(): void;
}

type ReqOf<M> = M extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer _ResOut> ? Req : never;
type ResOf<M> = M extends MethodDefinition<infer _Req, infer _Res, infer _ReqOut, infer ResOut> ? ResOut : never;

type StubMethod<K, Req, Res> = K extends 'unary'
  ? (request: Req, options?: CallOptions) => Promise<Res>
  : K extends 'server_stream'
    ? (request: Req, options?: CallOptions) => AsyncIterable<Res>
    : K extends 'client_stream'
      ? (options?: CallOptions) => ClientStreamCall<Req, Res>
      : (options?: CallOptions) => BidiCall<Req, Res>;

/**
 * The typed stub of a service: promises for unary calls, async iterables for
 * server streams, a writable + promise for client streams, a writable +
 * iterable for bidi. Types come from the generated `…Handlers` (kinds) and
 * `…Definition` (messages) of the descriptor.
 */
export type Client<S> =
  S extends ServiceDescriptor<infer H, infer D>
    ? { readonly [K in KnownKeys<H>]: StubMethod<KindOf<H[K]>, ReqOf<D[K & keyof D]>, ResOf<D[K & keyof D]>> }
    : never;

/** What a stub is built from. @internal */
export interface StubParts {
  readonly name: string;
  readonly service: ServiceDescriptor<unknown, unknown>;
  readonly config: ClientConfig;
  readonly client: grpc.Client;
  readonly interceptors: readonly ClientInterceptor[];
}

/** Builds the stub of one configured client. @internal */
export function createStub<S extends ServiceDescriptor<unknown, unknown>>(parts: StubParts): Client<S> {
  const stub: Record<string, unknown> = {};
  for (const method of parts.service.methods.values()) stub[method.name] = stubMethod(parts, method);
  return Object.freeze(stub) as Client<S>;
}

function stubMethod(parts: StubParts, method: MethodDescriptor): (...args: unknown[]) => unknown {
  /** The call through the chain; never throws: what fails before the call is made comes out of the iteration. */
  const start = (requests: AsyncIterable<unknown>, options: CallOptions = {}, onEnd?: ResolvedCall['onEnd']): AsyncIterable<unknown> => {
    let resolved: ResolvedCall;
    try {
      resolved = resolveCall(method, parts.config, options, currentCallContext());
    } catch (error) {
      // Metadata grpc-js refuses: a key or a value that cannot be sent.
      return failed(RpcError.from(error, Code.INTERNAL), onEnd);
    }
    const outgoing: OutgoingCall = { method, client: parts.name, metadata: resolved.metadata, requests };
    try {
      return composeInterceptors(parts.interceptors, wireCall(parts.client, { ...resolved, onEnd }, options))(outgoing);
    } catch (error) {
      // An interceptor that throws instead of returning: its error, as one that fails the iteration.
      return failed(error, onEnd);
    }
  };
  switch (method.kind) {
    case 'unary':
      return (request, options) =>
        single(
          start(
            oneResult(() => request),
            options as CallOptions,
          ),
        );
    case 'server_stream':
      return (request, options) =>
        iterableOnce(method, () =>
          start(
            oneResult(() => request),
            options as CallOptions,
          )[Symbol.asyncIterator](),
        );
    case 'client_stream':
      return (options) => {
        const queue = new MessageQueue<unknown>(method.path);
        const close = (error: Error | undefined): void => queue.close(error ?? endedOk(method));
        const response = single(start(queue, options as CallOptions, close));
        // Also when the chain ends without the wire (an interceptor that answers by itself).
        response.then(() => close(undefined), close);
        return { write: (m, o) => queue.write(withWriteOptions(m, o)), end: () => queue.end(), response } satisfies ClientStreamCall<unknown, unknown>;
      };
    case 'bidi':
      return (options) => {
        const queue = new MessageQueue<unknown>(method.path);
        const close = (error: Error | undefined): void => queue.close(error ?? endedOk(method));
        // The call starts now, so writes flow before anyone reads.
        const responses = started(start(queue, options as CallOptions, close), close);
        return {
          write: (m, o) => queue.write(withWriteOptions(m, o)),
          end: () => queue.end(),
          [Symbol.asyncIterator]: iterableOnce(method, () => responses)[Symbol.asyncIterator],
        } satisfies BidiCall<unknown, unknown>;
      };
  }
}

/** A call that failed before it was made: `error` from its first `next()`, and its writes closed. */
function failed(error: unknown, onEnd: ResolvedCall['onEnd']): AsyncIterable<unknown> {
  onEnd?.(error instanceof Error ? error : RpcError.from(error));
  return oneResult(() => {
    throw error;
  });
}

/** What writes reject with once a call has ended OK: nothing more can be sent. */
function endedOk(method: MethodDescriptor): Error {
  return new Error(`${method.path}: the call has ended (OK); nothing more can be written`);
}

/**
 * The responses of one call, to iterate once: a second iteration would
 * find them taken (or the call over), so it fails instead of looking empty.
 */
function iterableOnce(method: MethodDescriptor, iterator: () => AsyncIterator<unknown>): AsyncIterable<unknown> {
  let used = false;
  return {
    [Symbol.asyncIterator]: () => {
      if (!used) {
        used = true;
        return iterator();
      }
      const misuse = new Error(`${method.path}: the responses of a call can be iterated only once`);
      return { next: () => Promise.reject(misuse) };
    },
  };
}

/**
 * An iterator whose first `next()` has already been asked for: the generator
 * behind it is running. How the chain ends (done, or an error) closes the
 * call's writes, as `ended` says.
 */
function started<T>(source: AsyncIterable<T>, ended: (error: Error | undefined) => void): AsyncIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const watch = (result: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> => {
    result.then(
      (r) => r.done === true && ended(undefined),
      (error: unknown) => ended(RpcError.from(error)),
    );
    return result;
  };
  let first: Promise<IteratorResult<T>> | undefined = watch(iterator.next());
  return {
    next: () => {
      const result = first ?? watch(iterator.next());
      first = undefined;
      return result;
    },
    return: (value?: unknown) => {
      first = undefined;
      return iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
    },
  };
}

async function single(responses: AsyncIterable<unknown>): Promise<unknown> {
  let result: { value: unknown } | undefined;
  for await (const message of responses) {
    if (result !== undefined) throw new RpcError(Code.INTERNAL, 'a single-response call produced more than one response');
    result = { value: message };
  }
  if (result === undefined) throw new RpcError(Code.INTERNAL, 'a single-response call produced no response');
  return result.value;
}
