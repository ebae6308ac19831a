import { createHistogram, performance } from 'node:perf_hooks';
import { Code, RpcError, observe, type InterceptedCall, type ServerInterceptor } from '@switchboard/core';
import { BENCH_TOKEN } from './bench-definition';

/** The global interceptors of server B and what they counted. */
export interface BenchInterceptors {
  /** Outermost first: metrics, auth, message counter. */
  readonly interceptors: ServerInterceptor[];
  stats(): Record<string, number>;
}

/**
 * Three interceptors that do what production ones do, cheaply but for real:
 * a metrics observer that records each call's duration in a histogram, an
 * auth check on the `authorization` metadata, and a per-message counter.
 */
export function benchInterceptors(): BenchInterceptors {
  const durations = createHistogram();
  const started = new WeakMap<InterceptedCall, number>();
  let failed = 0;
  let requests = 0;
  let responses = 0;

  const metrics = observe({
    onStart: (call) => {
      started.set(call, performance.now());
    },
    onEnd: (call, error) => {
      const t0 = started.get(call);
      if (t0 !== undefined) durations.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      if (error !== undefined) failed++;
    },
  });

  const auth: ServerInterceptor = async function* (call, next) {
    if (call.ctx.metadata.get('authorization')[0] !== BENCH_TOKEN) {
      throw new RpcError(Code.UNAUTHENTICATED, 'missing or wrong token');
    }
    yield* next(call);
  };

  const counter = observe({
    onRequest: () => {
      requests++;
    },
    onResponse: () => {
      responses++;
    },
  });

  return {
    interceptors: [metrics, auth, counter],
    stats: () => ({
      calls: durations.count,
      failed,
      requests,
      responses,
      durationP50Us: durations.percentile(50),
      durationP99Us: durations.percentile(99),
    }),
  };
}
