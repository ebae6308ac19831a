import type * as grpc from '@grpc/grpc-js';
import { RpcError, readMessages, type ClientNext, type MethodDescriptor, type OutgoingCall } from '@switchboard/core';
import { linkSignals, type CallOptions, type ResolvedCall } from './call-options';

/** A grpc-js error as an `RpcError`, details decoded from `grpc-status-details-bin`. */
export function toRpcError(error: unknown): RpcError {
  return RpcError.from(error);
}

function observe(call: grpc.Call | grpc.ClientUnaryCall, options: CallOptions): void {
  if (options.onHeader) call.on('metadata', options.onHeader);
  if (options.onTrailer) {
    const onTrailer = options.onTrailer;
    call.on('status', (status: grpc.StatusObject) => onTrailer(status.metadata));
  }
}

async function first(requests: AsyncIterable<unknown>, method: MethodDescriptor): Promise<unknown> {
  for await (const message of requests) return message;
  throw new Error(`${method.path}: no request message to send`);
}

/** Pumps requests into a writable call, at the pace the transport drains. */
async function pump(requests: AsyncIterable<unknown>, call: grpc.ClientWritableStream<object>): Promise<void> {
  try {
    for await (const message of requests) {
      if (!call.write(message as object)) await new Promise((resolve) => call.once('drain', resolve));
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
        return (async function* () {
          const request = await first(outgoing.requests, method);
          yield await new Promise((resolve, reject) => {
            const call = client.makeUnaryRequest(method.path, ser, de, request as object, md, resolved.options, (error, response) => {
              unlink();
              if (error) reject(toRpcError(error));
              else resolve(response);
            });
            observe(call, options);
            const unlink = linkSignals(call, resolved.signals);
          });
        })();
      case 'client_stream':
        return (async function* () {
          yield await new Promise((resolve, reject) => {
            const call = client.makeClientStreamRequest(method.path, ser, de, md, resolved.options, (error, response) => {
              unlink();
              if (error) reject(toRpcError(error));
              else resolve(response);
            });
            observe(call, options);
            const unlink = linkSignals(call, resolved.signals);
            void pump(outgoing.requests, call);
          });
        })();
      case 'server_stream':
        return (async function* () {
          const request = await first(outgoing.requests, method);
          const call = client.makeServerStreamRequest(method.path, ser, de, request as object, md, resolved.options);
          yield* readResponses(call, options, resolved);
        })();
      case 'bidi':
        return (async function* () {
          const call = client.makeBidiStreamRequest(method.path, ser, de, md, resolved.options);
          void pump(outgoing.requests, call);
          yield* readResponses(call, options, resolved);
        })();
    }
  };
}

async function* readResponses(
  call: grpc.ClientReadableStream<object> | grpc.ClientDuplexStream<object, object>,
  options: CallOptions,
  resolved: ResolvedCall,
): AsyncGenerator<unknown> {
  observe(call, options);
  // Errors reach the consumer through readMessages; this keeps a late one (after a cancel) from going unhandled.
  call.on('error', () => undefined);
  const unlink = linkSignals(call, resolved.signals);
  // Messages already received are not delivered once the call is cancelled.
  const signal = AbortSignal.any(resolved.signals);
  let finished = false;
  try {
    for await (const message of readMessages(call, signal)) yield message;
    finished = true;
  } catch (error) {
    finished = true;
    throw toRpcError(error);
  } finally {
    unlink();
    // The consumer stopped early: nobody will read the rest.
    if (!finished) call.cancel();
  }
}
