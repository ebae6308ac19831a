import { Code, RpcError, codeName, observe, type InterceptedCall, type Logger, type ServerConfig, type ServerInterceptor } from '@switchboard/core';

/** The `log.access` config section. */
export type AccessLogConfig = ServerConfig['log']['access'];

interface CallRecord {
  readonly begin: bigint;
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
  const calls = new WeakMap<InterceptedCall, CallRecord>();
  return observe({
    onStart: (call) => {
      calls.set(call, { begin: process.hrtime.bigint(), sampled: Math.random() < config.sampleRate, requests: 0, responses: 0 });
    },
    onRequest: (_message, call) => {
      const record = calls.get(call);
      if (record) record.requests++;
    },
    onResponse: (_message, call) => {
      const record = calls.get(call);
      if (record) record.responses++;
    },
    onEnd: (call, error) => {
      const record = calls.get(call);
      if (!record) return;
      const ms = Number(process.hrtime.bigint() - record.begin) / 1e6;
      const failure = error === undefined ? undefined : RpcError.from(error);
      const failed = failure !== undefined && failure.code !== Code.OK;
      const slow = config.slowMs > 0 && ms >= config.slowMs;
      if (!failed && !slow && !record.sampled) return;
      logger.info(
        {
          method: call.method.path,
          kind: call.method.kind,
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
