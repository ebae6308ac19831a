import * as grpc from '@grpc/grpc-js';
import { Code, RpcError, oneResult, type ClientNext, type OutgoingCall } from '@switchboard/core';
import type { CallOptions, ResolvedCall } from './call-options';
import { alreadyAborted } from './abort-error';
import { ChannelCall, encode, type CallSink } from './channel-call';
import { pump } from './request-pump';
import { ResponseStream } from './response-stream';
import { writeFlagsOf } from './write-flags';

/** What one call is made of. */
interface Wire {
  readonly client: grpc.Client;
  readonly outgoing: OutgoingCall;
  readonly resolved: ResolvedCall;
  readonly options: CallOptions;
}

/**
 * The innermost step of a client chain: the call on the wire (a
 * {@link ChannelCall} on the client's channel), for each kind. Every way a
 * call ends comes out as a rejected promise or a thrown iteration with an
 * `RpcError`, never as an event.
 * @internal
 */
export function wireCall(client: grpc.Client, resolved: ResolvedCall, options: CallOptions): ClientNext {
  return (outgoing: OutgoingCall) => {
    const wire: Wire = { client, outgoing, resolved, options };
    switch (outgoing.method.kind) {
      case 'unary':
        return oneResult(async () => {
          const { bytes, flags } = await firstEncoded(outgoing);
          return unaryResponse(wire, (call) => {
            call.send(bytes, flags);
            call.halfClose();
          });
        });
      case 'client_stream':
        return oneResult(() => unaryResponse(wire, (call) => void pump(outgoing.requests, call)));
      case 'server_stream':
        return new ResponseStream(async (stream) => {
          const { bytes, flags } = await firstEncoded(outgoing);
          const call = open(wire, stream, false);
          stream.attach({ startRead: () => call.startRead(), cancel: () => call.fail(leftEarly()) });
          call.send(bytes, flags);
          call.halfClose();
        }, anyOf(resolved.signals));
      case 'bidi':
        return new ResponseStream(async (stream) => {
          const call = open(wire, stream, false);
          stream.attach({ startRead: () => call.startRead(), cancel: () => call.fail(leftEarly()) });
          void pump(outgoing.requests, call);
        }, anyOf(resolved.signals));
    }
  };
}

/**
 * The one request of a unary or server-streaming call, encoded before the
 * call is made (one that cannot be serialized sends nothing): a single
 * next(), no return() back through the chain.
 */
async function firstEncoded(outgoing: OutgoingCall): Promise<{ bytes: Buffer; flags: number | undefined }> {
  const result = await outgoing.requests[Symbol.asyncIterator]().next();
  if (result.done === true) throw new RpcError(Code.INTERNAL, `${outgoing.method.path}: no request message to send`);
  return { bytes: encode(outgoing.method.definition.requestSerialize, result.value), flags: writeFlagsOf(result.value) };
}

/**
 * Makes the call unless it cannot start: a signal already aborted, a
 * deadline already passed (see {@link deadlinePassed}), or the client closed
 * (its channel shut down). The call's end is told to `sink` and to the
 * call's `onEnd`.
 */
function open(wire: Wire, sink: CallSink, singleResponse: boolean): ChannelCall {
  const { client, outgoing, resolved, options } = wire;
  const channel = client.getChannel();
  const refused =
    alreadyAborted(resolved.signals) ??
    deadlinePassed(outgoing.method.path, resolved.options) ??
    (channel.getConnectivityState(false) === grpc.connectivityState.SHUTDOWN
      ? new RpcError(Code.CANCELLED, `${outgoing.method.path}: client '${outgoing.client}' is closed (closed with its server, or by close())`)
      : undefined);
  const onEnd = resolved.onEnd;
  try {
    if (refused !== undefined) throw refused;
    const { path, requestSerialize, responseDeserialize } = outgoing.method.definition;
    const ending: CallSink = onEnd
      ? {
          message: (value) => sink.message(value),
          end: (error) => {
            onEnd(error);
            sink.end(error);
          },
        }
      : sink;
    return new ChannelCall(
      {
        channel,
        path,
        serialize: requestSerialize,
        deserialize: responseDeserialize,
        metadata: outgoing.metadata,
        options: resolved.options,
        signals: resolved.signals,
        singleResponse,
        onHeader: options.onHeader,
        onTrailer: options.onTrailer,
      },
      ending,
    );
  } catch (error) {
    onEnd?.(RpcError.from(error));
    throw error;
  }
}

/**
 * DEADLINE_EXCEEDED for a call whose deadline (its own, or the parent's it
 * takes) has passed before it starts, without a stream, as grpc-java's
 * `ClientCallImpl` does. grpc-js 1.14.7 would still open a stream for it and
 * reset it at once (CANCEL), and Node holds a CANCEL reset back until the
 * write in progress is done: if a GOAWAY from the server arrives first,
 * nghttp2 drops the queued HEADERS and Node then sends the held reset (as
 * REFUSED_STREAM) for a stream the server never saw, a connection error
 * (RFC 9113 §6.4) that ends every call on the connection.
 */
function deadlinePassed(path: string, options: grpc.CallOptions): RpcError | undefined {
  let deadline = options.deadline === undefined ? Infinity : Number(options.deadline);
  if (options.parent !== undefined && ((options.propagate_flags ?? 0) & grpc.propagate.DEADLINE) !== 0) {
    deadline = Math.min(deadline, Number(options.parent.getDeadline()));
  }
  return deadline <= Date.now() ? new RpcError(Code.DEADLINE_EXCEEDED, `${path}: the deadline passed before the call started`) : undefined;
}

/** A unary-response call: its one response, or its error. `send` writes the requests. */
function unaryResponse(wire: Wire, send: (call: ChannelCall) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let response: unknown;
    const call = open(wire, { message: (value) => (response = value), end: (error) => (error ? reject(error) : resolve(response)) }, true);
    try {
      send(call);
    } catch (error) {
      call.fail(RpcError.from(error));
    }
  });
}

/** The error a call ends with when its consumer leaves: only the call's `onEnd` sees it. */
function leftEarly(): RpcError {
  return new RpcError(Code.CANCELLED, 'the responses were left before the end');
}

/** One signal for several, none for none; AbortSignal.any only for two or more (it is costly per call). */
function anyOf(signals: readonly AbortSignal[]): AbortSignal | undefined {
  return signals.length <= 1 ? signals[0] : AbortSignal.any([...signals]);
}
