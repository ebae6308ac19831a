import {
  Code,
  RpcError,
  codeName,
  observe,
  type CallContext,
  type Logger,
  type MethodDescriptor,
  type ServerConfig,
  type ServerInterceptor,
} from '@switchboard/core';

/** The `log.access` config section. */
export type AccessLogConfig = ServerConfig['log']['access'];

interface CallRecord {
  /** `method` and `kind` bound once per method: pino serialises a child's bindings when it is made, not per line. */
  readonly log: Logger;
  readonly begin: number;
  readonly sampled: boolean;
  requests: number;
  responses: number;
}

/**
 * A process-wide interceptor that logs one info line (`msg: 'call'`) per call
 * as it ends: `method`, `kind`, `peer`, `status` (the gRPC code name), `ms`,
 * and the `requests` and `responses` message counts; a failed call adds the
 * status message as `error`. A failed call is always logged, a call that took
 * `slowMs` or longer too (when `slowMs` is above 0), and a successful one
 * with probability `sampleRate`. Message sizes are not logged: interceptors
 * see decoded messages, and encoding them again would cost what the log is
 * meant to watch. `startServer` installs it with `log.access.enabled`, right
 * inside the metrics interceptor.
 */
export function accessLogInterceptor(logger: Logger, config: AccessLogConfig): ServerInterceptor {
  const loggers = new WeakMap<MethodDescriptor, Logger>();
  const loggerOf = (method: MethodDescriptor): Logger => {
    let found = loggers.get(method);
    if (found === undefined) {
      found = logger.child({ method: method.path, kind: method.kind });
      loggers.set(method, found);
    }
    return found;
  };
  const everyCall = config.sampleRate >= 1;
  // One observer for every call (the server then keeps its fast paths): a call's record is kept by its context.
  const records = new WeakMap<CallContext, CallRecord>();
  return observe({
    onStart(call) {
      records.set(call.ctx, {
        log: loggerOf(call.method),
        begin: performance.now(),
        sampled: everyCall || Math.random() < config.sampleRate,
        requests: 0,
        responses: 0,
      });
    },
    onRequest(_message, call) {
      const record = records.get(call.ctx);
      if (record) record.requests++;
    },
    onResponse(_message, call) {
      const record = records.get(call.ctx);
      if (record) record.responses++;
    },
    onEnd(call, error) {
      const record = records.get(call.ctx);
      if (record === undefined) return;
      records.delete(call.ctx);
      const ms = performance.now() - record.begin;
      const failure = error === undefined ? undefined : RpcError.from(error);
      const failed = failure !== undefined && failure.code !== Code.OK;
      const slow = config.slowMs > 0 && ms >= config.slowMs;
      if (!failed && !slow && !record.sampled) return;
      record.log.info(
        {
          peer: call.ctx.peer,
          status: codeName(failure?.code ?? Code.OK),
          ms: Math.round(ms * 100) / 100,
          requests: record.requests,
          responses: record.responses,
          ...(failed ? { error: failure.rawMessage } : {}),
        },
        'call',
      );
    },
  });
}
