import { observe, type Logger, type ServerInterceptor } from '@switchboard/core';

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
