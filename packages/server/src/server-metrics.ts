import {
  Code,
  HANDLING_SECONDS_BUCKETS,
  RpcError,
  grpcCodeLabel,
  grpcTypeLabel,
  observe,
  type CallContext,
  type MethodDescriptor,
  type ServerInterceptor,
} from '@switchboard/core';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type MethodLabel = 'grpc_type' | 'grpc_service' | 'grpc_method';
const METHOD_LABELS: readonly MethodLabel[] = ['grpc_type', 'grpc_service', 'grpc_method'];

/**
 * One method's counts since the last scrape. Counting is a field increment:
 * prom-client's `inc()` builds and looks up a key from every label on each
 * call (and `labels()` only binds them), which cost a few µs per call and
 * per streamed message. The counters take the counts when scraped.
 */
interface MethodCounts {
  readonly labels: Readonly<Record<MethodLabel, string>>;
  readonly handling: Histogram.Internal<MethodLabel>;
  started: number;
  received: number;
  sent: number;
  /** Calls handled, by status code. */
  readonly handled: number[];
}

/** A server's metrics: its own registry and the interceptor that fills it. */
export interface ServerMetrics {
  /** This server's registry (not prom-client's global one): two servers in a process do not collide. */
  readonly registry: Registry;
  /** Counts every call; install it outermost so it sees each call's final status. */
  readonly interceptor: ServerInterceptor;
}

/**
 * The server metrics of go-grpc-prometheus, under its names and labels, so
 * dashboards built for Go servers work unchanged: `grpc_server_started_total`,
 * `grpc_server_handled_total` (with `grpc_code` as grpc-go names the status:
 * `OK`, `NotFound`, `InvalidArgument`),
 * `grpc_server_msg_received_total`, `grpc_server_msg_sent_total` and the
 * `grpc_server_handling_seconds` histogram; plus Node's process metrics.
 *
 * @example
 * const metrics = createServerMetrics();
 * new SwitchboardServer({ config, logger, interceptors: [metrics.interceptor] });
 * const text = await metrics.registry.metrics();
 */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const methods: MethodCounts[] = [];
  /** A counter that takes `field` of every method's counts when scraped. */
  const methodCounter = (name: string, help: string, field: 'started' | 'received' | 'sent'): Counter<MethodLabel> =>
    new Counter({
      name,
      help,
      labelNames: METHOD_LABELS,
      registers: [registry],
      collect() {
        for (const counts of methods) {
          if (counts[field] === 0) continue;
          this.inc(counts.labels, counts[field]);
          counts[field] = 0;
        }
      },
    });
  methodCounter('grpc_server_started_total', 'Total number of RPCs started on the server.', 'started');
  methodCounter('grpc_server_msg_received_total', 'Total number of RPC stream messages received on the server.', 'received');
  methodCounter('grpc_server_msg_sent_total', 'Total number of gRPC stream messages sent by the server.', 'sent');
  new Counter({
    name: 'grpc_server_handled_total',
    help: 'Total number of RPCs completed on the server, regardless of success or failure.',
    labelNames: [...METHOD_LABELS, 'grpc_code'],
    registers: [registry],
    collect() {
      for (const counts of methods) {
        counts.handled.forEach((count, code) => {
          if (count === 0) return;
          this.inc({ ...counts.labels, grpc_code: grpcCodeLabel(code) }, count);
          counts.handled[code] = 0;
        });
      }
    },
  });
  const handling = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
    labelNames: METHOD_LABELS,
    buckets: [...HANDLING_SECONDS_BUCKETS],
    registers: [registry],
  });

  const byMethod = new WeakMap<MethodDescriptor, MethodCounts>();
  const countsOf = (method: MethodDescriptor): MethodCounts => {
    let found = byMethod.get(method);
    if (found === undefined) {
      const labels = { grpc_type: grpcTypeLabel(method.kind), grpc_service: method.service, grpc_method: method.name };
      found = { labels, handling: handling.labels(labels), started: 0, received: 0, sent: 0, handled: [] };
      byMethod.set(method, found);
      methods.push(found);
    }
    return found;
  };
  // One observer for every call (the server then keeps its fast paths): a call's start is kept by its context.
  const begins = new WeakMap<CallContext, number>();
  const interceptor: ServerInterceptor = observe({
    onStart(call) {
      countsOf(call.method).started++;
      begins.set(call.ctx, performance.now());
    },
    onRequest(_message, call) {
      countsOf(call.method).received++;
    },
    onResponse(_message, call) {
      countsOf(call.method).sent++;
    },
    onEnd(call, error) {
      const begin = begins.get(call.ctx);
      if (begin === undefined) return;
      begins.delete(call.ctx);
      const counts = countsOf(call.method);
      // The server sends anything that is not an RpcError as INTERNAL.
      const code = error === undefined ? Code.OK : RpcError.from(error, Code.INTERNAL).code;
      counts.handled[code] = (counts.handled[code] ?? 0) + 1;
      counts.handling.observe((performance.now() - begin) / 1000);
    },
  });
  return { registry, interceptor };
}
