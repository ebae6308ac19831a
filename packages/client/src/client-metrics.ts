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
  type OutgoingCall,
} from '@switchboard/core';
import { Counter, Histogram } from 'prom-client';

type MethodLabel = 'grpc_type' | 'grpc_service' | 'grpc_method';
const METHOD_LABELS: readonly MethodLabel[] = ['grpc_type', 'grpc_service', 'grpc_method'];

/** The instruments of one method, with its labels bound once: `labels()` per call costs a key built from every label. */
interface MethodInstruments {
  readonly started: Counter.Internal;
  readonly received: Counter.Internal;
  readonly sent: Counter.Internal;
  readonly handling: Histogram.Internal<MethodLabel>;
  /** `grpc_client_handled_total` by status code, bound on first use. */
  readonly handled: Map<Code, Counter.Internal>;
  readonly labels: Readonly<Record<MethodLabel, string>>;
}

interface CallRecord {
  readonly instruments: MethodInstruments;
  readonly begin: number;
  /** The consumer stopped reading before the call ended: the call is cancelled on the wire. */
  stoppedEarly: boolean;
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
  const register = <M extends object>(metric: M): M => {
    registry.registerMetric(metric);
    return metric;
  };
  const methodCounter = (name: string, help: string): Counter<MethodLabel> => register(new Counter({ name, help, labelNames: METHOD_LABELS, registers: [] }));
  const started = methodCounter('grpc_client_started_total', 'Total number of RPCs started on the client.');
  const received = methodCounter('grpc_client_msg_received_total', 'Total number of RPC stream messages received by the client.');
  const sent = methodCounter('grpc_client_msg_sent_total', 'Total number of gRPC stream messages sent by the client.');
  const handled = register(
    new Counter({
      name: 'grpc_client_handled_total',
      help: 'Total number of RPCs completed by the client, regardless of success or failure.',
      labelNames: [...METHOD_LABELS, 'grpc_code'],
      registers: [],
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

  const byMethod = new WeakMap<MethodDescriptor, MethodInstruments>();
  const instrumentsOf = (method: MethodDescriptor): MethodInstruments => {
    let found = byMethod.get(method);
    if (found === undefined) {
      const labels = { grpc_type: grpcTypeLabel(method.kind), grpc_service: method.service, grpc_method: method.name };
      found = {
        started: started.labels(labels),
        received: received.labels(labels),
        sent: sent.labels(labels),
        handling: handling.labels(labels),
        handled: new Map(),
        labels,
      };
      byMethod.set(method, found);
    }
    return found;
  };

  const calls = new WeakMap<OutgoingCall, CallRecord>();
  const observing = observeClient({
    onStart(call) {
      const instruments = instrumentsOf(call.method);
      instruments.started.inc();
      calls.set(call, { instruments, begin: performance.now(), stoppedEarly: false });
    },
    onRequest(_message, call) {
      calls.get(call)?.instruments.sent.inc();
    },
    onResponse(_message, call) {
      calls.get(call)?.instruments.received.inc();
    },
    onEnd(call, error) {
      const record = calls.get(call);
      if (record === undefined) return;
      const { instruments } = record;
      const code = error !== undefined ? RpcError.from(error).code : record.stoppedEarly ? Code.CANCELLED : Code.OK;
      let counter = instruments.handled.get(code);
      if (counter === undefined) {
        counter = handled.labels({ ...instruments.labels, grpc_code: grpcCodeLabel(code) });
        instruments.handled.set(code, counter);
      }
      counter.inc();
      instruments.handling.observe((performance.now() - record.begin) / 1000);
    },
  });
  return (call, next) => {
    const responses = observing(call, next)[Symbol.asyncIterator]();
    const iterator: AsyncIterableIterator<unknown> = {
      [Symbol.asyncIterator]: () => iterator,
      next: () => responses.next(),
      return: (value?: unknown) => {
        const record = calls.get(call);
        if (record) record.stoppedEarly = true;
        return responses.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
      },
    };
    return iterator;
  };
}
