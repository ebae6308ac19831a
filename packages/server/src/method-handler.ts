import type * as grpc from '@grpc/grpc-js';
import {
  Code,
  RpcError,
  codeName,
  type CallContext,
  type GrpcServerCall,
  type InterceptedCall,
  type Logger,
  type MethodDescriptor,
  type ServerInterceptor,
  type ServerNext,
  composeInterceptors,
  observerHooksOf,
  oneResult,
  readMessages,
  runInCallContext,
} from '@switchboard/core';
import { Abortable } from './abortable';
import { abortionOf, type Abortion } from './abortion';
import { confirmHalfClose } from './half-close';
import { requestEndedInsideMessage } from './http2-stream-state';
import { ObserverRun } from './observer-run';
import { ServerCallContext } from './server-call-context';

const SHUTTING_DOWN = new RpcError(Code.UNAVAILABLE, 'the server is shutting down');
/** grpc-go's answer, where grpc-js would drop the partial message and go on. */
const PARTIAL_REQUEST = new RpcError(Code.INTERNAL, 'the request stream ended inside a message');

/** A user's handler, of any kind, before adaptation. @internal */
export type AnyHandler = (input: unknown, ctx: CallContext) => unknown;

/** Tracks the calls in flight so a shutdown can wait for or cancel them. @internal */
export interface CallTracker {
  /** False once a shutdown has begun: new calls are refused with UNAVAILABLE. */
  readonly accepting: boolean;
  add(ctx: ServerCallContext): void;
  delete(ctx: ServerCallContext): void;
}

/** What {@link adaptHandler} needs besides the method and its handler. @internal */
export interface AdaptOptions {
  /** The chain around the handler, outermost first. */
  readonly interceptors: readonly ServerInterceptor[];
  readonly tracker: CallTracker;
  readonly logger: Logger;
  /** A fixed wait after a confirmed half-close, for a proxy in front (see `server.halfCloseSettleMs`). */
  readonly halfCloseSettleMs?: number;
  /** Pass on the messages of statuses the handler's own calls received (see `server.exposeDownstreamErrors`). */
  readonly exposeDownstreamErrors?: boolean;
}

/**
 * Adapts one handler and its interceptor chain to the grpc-js handler of its
 * kind. Requests are pulled as the handler asks for them and responses are
 * written only as fast as the transport drains them, so neither side buffers
 * without bound. A call whose deadline has passed, or that is cancelled,
 * before its handler starts is answered without running the handler; every
 * promise a handler returns is observed, whenever the call ends.
 * @internal
 */
export function adaptHandler(method: MethodDescriptor, handler: AnyHandler, options: AdaptOptions): grpc.UntypedHandleCall {
  const { interceptors, tracker } = options;
  const handlerStep = terminal(method, handler);
  const next = composeInterceptors(interceptors, handlerStep);
  // A chain of `observe` interceptors only keeps the fast paths: the hooks are called here (see ObserverRun).
  const hooks = interceptors.map(observerHooksOf);
  const observers = interceptors.length > 0 && hooks.every((h) => h !== undefined) ? hooks : undefined;
  const direct = interceptors.length === 0 || observers !== undefined;

  const begin = (call: GrpcServerCall): ServerCallContext => {
    const ctx = new ServerCallContext(method, call);
    tracker.add(ctx);
    return ctx;
  };
  const end = (ctx: ServerCallContext): void => {
    ctx.dispose();
    tracker.delete(ctx);
  };
  const failure = (error: unknown, ctx: ServerCallContext): grpc.StatusObject => {
    const status = toRpcError(error, ctx, options).toStatus();
    return { ...status, metadata: ctx.takeTrailers(status.metadata) ?? status.metadata };
  };
  const requestsOf = (call: GrpcServerCall, ctx: ServerCallContext): AsyncIterable<unknown> =>
    method.kind === 'unary' || method.kind === 'server_stream'
      ? oneResult(() => (call as grpc.ServerUnaryCall<unknown, unknown>).request)
      : readMessages(call as grpc.ServerReadableStream<unknown, unknown>, ctx.signal, {
          confirmEnd: () => (requestEndedInsideMessage(call) ? Promise.reject(PARTIAL_REQUEST) : confirmHalfClose(call, ctx, options.halfCloseSettleMs ?? 0)),
        });

  if (method.kind === 'unary' || method.kind === 'client_stream') {
    return (call: GrpcServerCall, callback: grpc.sendUnaryData<unknown>) => {
      if (!tracker.accepting) return callback(SHUTTING_DOWN.toStatus());
      if (method.kind === 'unary' && requestEndedInsideMessage(call)) return callback(PARTIAL_REQUEST.toStatus());
      const ctx = begin(call);
      let answered = false;
      // Neither removes its abort listener: the call's end (`ctx.dispose()`) drops them all.
      const succeed = (response: unknown): void => {
        if (answered) return;
        answered = true;
        end(ctx);
        callback(null, response, ctx.takeTrailers());
      };
      const fail = (error: unknown): void => {
        if (answered) return;
        answered = true;
        end(ctx);
        callback(failure(error, ctx));
      };
      if (!direct || method.kind !== 'unary') {
        // Everything the call runs sees `ctx` as its current context (clients inherit from it).
        try {
          return void runInCallContext(ctx, () => single(next({ method, ctx, requests: requestsOf(call, ctx) }))).then(succeed, fail);
        } catch (error) {
          // An interceptor written as a plain function may throw before it returns.
          return fail(asError(error));
        }
      }
      const request = (call as grpc.ServerUnaryCall<unknown, unknown>).request;
      if (observers !== undefined) {
        const run = new ObserverRun(observers, { method, ctx, requests: requestsOf(call, ctx) }, () => ctx.abortReason);
        const respond = async (): Promise<unknown> => {
          const requested = run.request(request);
          if (requested) await requested;
          const response = await runHandler(() => handler(request, ctx), ctx);
          const responded = run.response(response);
          if (responded) await responded;
          return response;
        };
        return void runInCallContext(ctx, () => run.around(respond)).then(succeed, fail);
      }
      // No interceptor: the handler alone, answered with the abort reason as soon as the call aborts (see runHandler).
      if (ctx.abortReason !== undefined) return fail(ctx.abortReason);
      ctx.onAbort(fail);
      let result: unknown;
      try {
        result = runInCallContext(ctx, () => handler(request, ctx));
      } catch (error) {
        return fail(asError(error));
      }
      Promise.resolve(result).then(succeed, (error: unknown) => fail(asError(error)));
    };
  }

  return (call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) => {
    if (!tracker.accepting) return void call.emit('error', SHUTTING_DOWN.toStatus());
    if (method.kind === 'server_stream' && requestEndedInsideMessage(call)) return void call.emit('error', PARTIAL_REQUEST.toStatus());
    const ctx = begin(call);
    const write = (message: unknown): Promise<void> | undefined => (call.write(message) ? undefined : drained(call, ctx));
    runInCallContext(ctx, () => {
      try {
        if (observers !== undefined && method.kind === 'server_stream') {
          // The handler's responses piped as without interceptors, each through the observers' onResponse.
          const { request } = call as grpc.ServerWritableStream<unknown, unknown>;
          const run = new ObserverRun(observers, { method, ctx, requests: oneResult(() => request) }, () => ctx.abortReason);
          const responses = handlerStep({ method, ctx, requests: run.requestsOf(request) }) as Abortable<unknown>;
          const observeAndWrite = (message: unknown): Promise<void> | undefined => {
            const responded = run.response(message);
            return responded ? responded.then(() => write(message)) : write(message);
          };
          return run.around(() => responses.pipeTo(observeAndWrite));
        }
        const responses = next({ method, ctx, requests: requestsOf(call, ctx) });
        // The handler's own responses, when no interceptor wrapped them, are read without a promise per message.
        return responses instanceof Abortable ? responses.pipeTo(write) : writeAll(responses, write);
      } catch (error) {
        return Promise.reject(asError(error));
      }
    }).then(
      () => {
        end(ctx);
        call.end(ctx.takeTrailers());
      },
      (error: unknown) => {
        end(ctx);
        call.emit('error', failure(error, ctx));
      },
    );
  };
}

async function writeAll(responses: AsyncIterable<unknown>, write: (message: unknown) => Promise<void> | undefined): Promise<void> {
  for await (const message of responses) {
    const pending = write(message);
    if (pending !== undefined) await pending;
  }
}

/** The innermost step of the chain: the handler, stopped when the call aborts. */
function terminal(method: MethodDescriptor, handler: AnyHandler): ServerNext {
  switch (method.kind) {
    case 'unary':
    case 'client_stream':
      return async function* unary(call: InterceptedCall) {
        const input = method.kind === 'unary' ? await first(call.requests, method) : call.requests;
        yield await runHandler(() => handler(input, call.ctx), abortionOf(call.ctx));
      };
    case 'server_stream':
    case 'bidi':
      return (call: InterceptedCall) =>
        new Abortable(async () => {
          const input = method.kind === 'server_stream' ? await first(call.requests, method) : call.requests;
          const output = handler(input, call.ctx) as AsyncIterable<unknown>;
          if (output === null || typeof output !== 'object' || !(Symbol.asyncIterator in output)) {
            throw new Error(`handler of ${method.path} must return an async iterable (write it as async function*)`);
          }
          return output;
        }, abortionOf(call.ctx));
  }
}

/** The one request of a unary or server-streaming call; a single next(), no return() through the chain. */
async function first(requests: AsyncIterable<unknown>, method: MethodDescriptor): Promise<unknown> {
  const result = await requests[Symbol.asyncIterator]().next();
  if (result.done === true) throw new RpcError(Code.INTERNAL, `no request message reached the handler of ${method.path}`);
  return result.value;
}

async function single(responses: AsyncIterable<unknown>): Promise<unknown> {
  let count = 0;
  let response: unknown;
  for await (const message of responses) {
    count++;
    response = message;
  }
  if (count !== 1) throw new Error(`a single-response call produced ${count} responses`);
  return response;
}

/**
 * Runs a single-response handler and settles with its result, or with the
 * abort reason as soon as the call aborts. A call already aborted (a deadline
 * spent on arrival, a cancel) never runs the handler. The handler's promise is
 * always observed: when the call aborts first, its later rejection is
 * swallowed rather than left unhandled (it can only be the abort's echo or a
 * failure nobody can be told of).
 */
function runHandler(run: () => unknown, abortion: Abortion): Promise<unknown> {
  if (abortion.abortReason !== undefined) return Promise.reject(abortion.abortReason);
  return new Promise<unknown>((resolve, reject) => {
    const stop = abortion.onAbort(reject);
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(run());
    } catch (error) {
      result = Promise.reject(asError(error));
    }
    result.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(asError(error));
      },
    );
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function drained(stream: NodeJS.EventEmitter, abortion: Abortion): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      stream.removeListener('drain', done);
      stop();
      resolve();
    };
    stream.once('drain', done);
    const stop = abortion.onAbort((reason) => {
      stream.removeListener('drain', done);
      reject(reason);
    });
  });
}

/**
 * What goes on the wire: an `RpcError` raised here as it is; one that a call
 * made by the handler received with its code and details, its message logged
 * here and replaced by a generic one (it may name internal hosts, as grpc-js's
 * "connect ECONNREFUSED 10.0.0.7:50051" does) unless `exposeDownstreamErrors`;
 * anything else as INTERNAL with a generic message, logged with its cause and
 * never leaked.
 */
function toRpcError(error: unknown, ctx: ServerCallContext, options: AdaptOptions): RpcError {
  if (error instanceof RpcError) {
    if (!error.received) return error;
    options.logger.warn({ err: error, method: ctx.method.path, code: codeName(error.code) }, 'a call made by the handler failed; its status is passed on');
    if (options.exposeDownstreamErrors === true) return error;
    return new RpcError(error.code, `a downstream call failed (${codeName(error.code)})`, { details: error.details, cause: error });
  }
  options.logger.error({ err: error, method: ctx.method.path }, 'handler failed');
  return new RpcError(Code.INTERNAL, 'Internal server error', { cause: error });
}
