import {
  Code,
  HANDLING_SECONDS_BUCKETS,
  RpcError,
  grpcCodeLabel,
  grpcTypeLabel,
  observeClient,
  type ClientInterceptor,
  type MethodDescriptor,
  type MetricsRegistry,
} from '@switchboard/core';
import { Counter, Histogram } from 'prom-client';

type MethodLabel = 'grpc_type' | 'grpc_service' | 'grpc_method';
const METHOD_LABELS: readonly MethodLabel[] = ['grpc_type', 'grpc_service', 'grpc_method'];

/**
 * One method's counts since the last scrape. Counting is a field increment:
 * prom-client's `inc()` builds and looks up a key from every label on each
 * call (`labels()` only binds them); the counters take the counts when scraped.
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

/** One interceptor per registry: every client counting into it shares the same metrics, registered once. */
const byRegistry = new WeakMap<MetricsRegistry, ClientInterceptor>();

/**
 * The client metrics of go-grpc-prometheus, under its names and labels, in
 * `registry`: `grpc_client_started_total`, `grpc_client_handled_total` (with
 * `grpc_code` as grpc-go names the status), `grpc_client_msg_sent_total`,
 * `grpc_client_msg_received_total` and the `grpc_client_handling_seconds`
 * histogram, by `grpc_type`, `grpc_service` and `grpc_method`. A stream the
 * caller stops reading early counts as `Canceled`, the status it ends with
 * on the wire.
 *
 * Every client made inside a server with `metrics.enabled` counts into the
 * registry the server serves (`MetricsRegistryToken`); `createClient` takes
 * one as `metricsRegistry`. The same registry always gets the same
 * interceptor, so any number of clients can share it.
 *
 * @example
 * const registry = new Registry(); // prom-client
 * const greeter = createClient(Greeter, { target: 'dns:///localhost:50051', metricsRegistry: registry });
 */
export function clientMetricsInterceptor(registry: MetricsRegistry): ClientInterceptor {
  let interceptor = byRegistry.get(registry);
  if (interceptor === undefined) {
    interceptor = createInterceptor(registry);
    byRegistry.set(registry, interceptor);
  }
  return interceptor;
}

function createInterceptor(registry: MetricsRegistry): ClientInterceptor {
  const methods: MethodCounts[] = [];
  const register = <M extends object>(metric: M): M => {
    registry.registerMetric(metric);
    return metric;
  };
  /** A counter that takes `field` of every method's counts when scraped. */
  const methodCounter = (name: string, help: string, field: 'started' | 'received' | 'sent'): void =>
    void register(
      new Counter({
        name,
        help,
        labelNames: METHOD_LABELS,
        registers: [],
        collect() {
          for (const counts of methods) {
            if (counts[field] === 0) continue;
            this.inc(counts.labels, counts[field]);
            counts[field] = 0;
          }
        },
      }),
    );
  methodCounter('grpc_client_started_total', 'Total number of RPCs started on the client.', 'started');
  methodCounter('grpc_client_msg_received_total', 'Total number of RPC stream messages received by the client.', 'received');
  methodCounter('grpc_client_msg_sent_total', 'Total number of gRPC stream messages sent by the client.', 'sent');
  register(
    new Counter({
      name: 'grpc_client_handled_total',
      help: 'Total number of RPCs completed by the client, regardless of success or failure.',
      labelNames: [...METHOD_LABELS, 'grpc_code'],
      registers: [],
      collect() {
        for (const counts of methods) {
          counts.handled.forEach((count, code) => {
            if (count === 0) return;
            this.inc({ ...counts.labels, grpc_code: grpcCodeLabel(code) }, count);
            counts.handled[code] = 0;
          });
        }
      },
    }),
  );
  const handling = register(
    new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
      labelNames: METHOD_LABELS,
      buckets: [...HANDLING_SECONDS_BUCKETS],
      registers: [],
    }),
  );

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

  // Hooks made per call hold its counts and start: no lookup per message.
  return (call, next) => {
    const counts = countsOf(call.method);
    let begin: number | undefined;
    let stoppedEarly = false;
    const responses = observeClient({
      onStart() {
        counts.started++;
        begin = performance.now();
      },
      onRequest() {
        counts.sent++;
      },
      onResponse() {
        counts.received++;
      },
      onEnd(_call, error) {
        // Ended before it started (the consumer left at once): neither started nor handled.
        if (begin === undefined) return;
        const code = error !== undefined ? RpcError.from(error).code : stoppedEarly ? Code.CANCELLED : Code.OK;
        counts.handled[code] = (counts.handled[code] ?? 0) + 1;
        counts.handling.observe((performance.now() - begin) / 1000);
      },
    })(call, next)[Symbol.asyncIterator]();
    const iterator: AsyncIterableIterator<unknown> = {
      [Symbol.asyncIterator]: () => iterator,
      next: () => responses.next(),
      // The consumer stopped reading before the end: the call is cancelled on the wire.
      return: (value?: unknown) => {
        stoppedEarly = true;
        return responses.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
      },
    };
    return iterator;
  };
}
