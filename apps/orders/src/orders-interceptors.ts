import { codeName, observe, RpcError, type Logger, type ServerInterceptor } from '@switchboard/core';

/** Logs one line per call: method, kind, final status and duration. */
export function loggingInterceptor(logger: Logger): ServerInterceptor {
  const started = new WeakMap<object, bigint>();
  return observe({
    onStart: (call) => void started.set(call.ctx, process.hrtime.bigint()),
    onEnd: (call, error) => {
      const begin = started.get(call.ctx) ?? process.hrtime.bigint();
      const ms = Number(process.hrtime.bigint() - begin) / 1e6;
      const status = error === undefined ? 'OK' : codeName(RpcError.from(error).code);
      logger.info({ method: call.method.path, kind: call.method.kind, status, ms: Math.round(ms * 100) / 100 }, 'call');
    },
  });
}

/** Logs every message of a streaming call, in each direction (grpc-go's wrappedStream). */
export function streamMessageInterceptor(logger: Logger): ServerInterceptor {
  return observe({
    onRequest: (message, call) => {
      if (call.method.kind !== 'unary') logger.debug({ method: call.method.path, message }, 'received');
    },
    onResponse: (message, call) => {
      if (call.method.kind !== 'unary') logger.debug({ method: call.method.path, message }, 'sent');
    },
  });
}
