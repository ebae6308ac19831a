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
import { resolveCall, type CallOptions } from './call-options';
import type { ClientConfig } from './client-config';
import { MessageQueue } from './message-queue';
import { withWriteOptions, type WriteOptions } from './write-flags';
import { wireCall } from './wire-call';

/** A client-streaming call: write requests, end, await the one response. */
export interface ClientStreamCall<Req, Res> {
  /** Resolves once the message is taken for sending; await it to respect backpressure. */
  write(message: Req, options?: WriteOptions): Promise<void>;
  /** Half-closes: no more requests. */
  end(): void;
  /** The response, or the call's `RpcError`. */
  readonly response: Promise<Res>;
}

/** A bidi call: write requests, end, and iterate the responses. */
export interface BidiCall<Req, Res> extends AsyncIterable<Res> {
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
  const start = (requests: AsyncIterable<unknown>, options: CallOptions = {}): AsyncIterable<unknown> => {
    const resolved = resolveCall(method, parts.config, options, currentCallContext());
    const outgoing: OutgoingCall = { method, client: parts.name, metadata: resolved.metadata, requests };
    return composeInterceptors(parts.interceptors, wireCall(parts.client, resolved, options))(outgoing);
  };
  switch (method.kind) {
    case 'unary':
      return (request, options) => single(start(oneResult(() => request), options as CallOptions));
    case 'server_stream':
      return (request, options) => start(oneResult(() => request), options as CallOptions);
    case 'client_stream':
      return (options) => {
        const queue = new MessageQueue<unknown>();
        const response = single(start(queue, options as CallOptions));
        response.catch(() => undefined);
        return { write: (m, o) => queue.write(withWriteOptions(m, o)), end: () => queue.end(), response } satisfies ClientStreamCall<unknown, unknown>;
      };
    case 'bidi':
      return (options) => {
        const queue = new MessageQueue<unknown>();
        // The call starts now, so writes flow before anyone reads.
        const responses = started(start(queue, options as CallOptions));
        return {
          write: (m, o) => queue.write(withWriteOptions(m, o)),
          end: () => queue.end(),
          [Symbol.asyncIterator]: () => responses,
        } satisfies BidiCall<unknown, unknown>;
      };
  }
}

/** An iterator whose first `next()` has already been asked for: the generator behind it is running. */
function started<T>(source: AsyncIterable<T>): AsyncIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = iterator.next();
  first.catch(() => undefined);
  return {
    next: () => {
      const result = first ?? iterator.next();
      first = undefined;
      return result;
    },
    return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
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

