import type * as grpc from '@grpc/grpc-js';
import { RpcError, oneResult, type ClientNext, type MethodDescriptor, type OutgoingCall } from '@switchboard/core';
import { linkSignals, type CallOptions, type ResolvedCall } from './call-options';
import { ResponseStream } from './response-stream';
import { writeFlagsOf } from './write-flags';

/** Hands the call's response headers and trailers to the caller's `onHeader` / `onTrailer`. */
function forwardMetadata(call: grpc.Call | grpc.ClientUnaryCall, options: CallOptions): void {
  if (options.onHeader) call.on('metadata', options.onHeader);
  if (options.onTrailer) {
    const onTrailer = options.onTrailer;
    call.on('status', (status: grpc.StatusObject) => onTrailer(status.metadata));
  }
}

/** The one request of a unary or server-streaming call: a single next(), no return() back through the chain. */
async function first(requests: AsyncIterable<unknown>, method: MethodDescriptor): Promise<unknown> {
  const result = await requests[Symbol.asyncIterator]().next();
  if (result.done === true) throw new Error(`${method.path}: no request message to send`);
  return result.value;
}

/** Pumps requests into a writable call, at the pace the transport drains. */
async function pump(requests: AsyncIterable<unknown>, call: grpc.ClientWritableStream<object>): Promise<void> {
  try {
    for await (const message of requests) {
      if (!call.write(message as object, writeFlagsOf(message))) await new Promise((resolve) => call.once('drain', resolve));
    }
    call.end();
  } catch {
    call.cancel();
  }
}

/**
 * The innermost step of a client chain: the call on the wire through a
 * grpc-js client, for each kind. Errors come out as `RpcError`.
 * @internal
 */
export function wireCall(client: grpc.Client, resolved: ResolvedCall, options: CallOptions): ClientNext {
  return (outgoing: OutgoingCall) => {
    const { method } = outgoing;
    const { requestSerialize: ser, responseDeserialize: de } = method.definition;
    const md = outgoing.metadata;
    switch (method.kind) {
      case 'unary':
        return oneResult(async () => {
          const request = await first(outgoing.requests, method);
          return new Promise((resolve, reject) => {
            const call = client.makeUnaryRequest(method.path, ser, de, request as object, md, resolved.options, (error, response) => {
              unlink();
              if (error) reject(RpcError.from(error));
              else resolve(response);
            });
            forwardMetadata(call, options);
            const unlink = linkSignals(call, resolved.signals);
          });
        });
      case 'client_stream':
        return oneResult(
          () =>
            new Promise((resolve, reject) => {
              const call = client.makeClientStreamRequest(method.path, ser, de, md, resolved.options, (error, response) => {
                unlink();
                if (error) reject(RpcError.from(error));
                else resolve(response);
              });
              forwardMetadata(call, options);
              const unlink = linkSignals(call, resolved.signals);
              void pump(outgoing.requests, call);
            }),
        );
      case 'server_stream':
        return readResponses(async () => {
          const request = await first(outgoing.requests, method);
          return client.makeServerStreamRequest(method.path, ser, de, request as object, md, resolved.options);
        }, options, resolved);
      case 'bidi':
        return readResponses(async () => {
          const call = client.makeBidiStreamRequest(method.path, ser, de, md, resolved.options);
          void pump(outgoing.requests, call);
          return call;
        }, options, resolved);
    }
  };
}

/** Starts a streaming call when first iterated and gives its responses. */
function readResponses(
  start: () => Promise<grpc.ClientReadableStream<object> | grpc.ClientDuplexStream<object, object>>,
  options: CallOptions,
  resolved: ResolvedCall,
): AsyncIterable<unknown> {
  let unlink = (): void => undefined;
  return new ResponseStream(
    async () => {
      const call = await start();
      forwardMetadata(call, options);
      unlink = linkSignals(call, resolved.signals);
      return call;
    },
    anyOf(resolved.signals),
    () => unlink(),
  );
}

/** One signal for several, none for none; AbortSignal.any only for two or more (it is costly per call). */
function anyOf(signals: readonly AbortSignal[]): AbortSignal | undefined {
  return signals.length <= 1 ? signals[0] : AbortSignal.any([...signals]);
}
