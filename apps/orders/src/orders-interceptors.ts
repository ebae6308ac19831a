import { observe, type Logger, type ServerInterceptor } from '@switchboard/core';

/**
 * Logs every message of a streaming call, in each direction, at debug level
 * (grpc-go's wrappedStream). A call made while debug is off, and every unary
 * call, passes straight through: it costs nothing per message.
 */
export function streamMessageInterceptor(logger: Logger): ServerInterceptor {
  const logged = observe({
    onRequest: (message, call) => logger.debug({ method: call.method.path, message }, 'received'),
    onResponse: (message, call) => logger.debug({ method: call.method.path, message }, 'sent'),
  });
  return (call, next) => (call.method.kind === 'unary' || !logger.isLevelEnabled('debug') ? next(call) : logged(call, next));
}
