import {
  Code,
  HANDLING_SECONDS_BUCKETS,
  RpcError,
  grpcCodeLabel,
  grpcTypeLabel,
  observe,
  type InterceptedCall,
  type MethodDescriptor,
  type ServerInterceptor,
} from '@switchboard/core';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const METHOD_LABELS = ['grpc_type', 'grpc_service', 'grpc_method'] as const;

/** The instruments of one method, with its labels bound once. */
interface MethodInstruments {
  readonly started: Counter.Internal;
  readonly received: Counter.Internal;
  readonly sent: Counter.Internal;
  readonly handling: Histogram.Internal<(typeof METHOD_LABELS)[number]>;
  /** `grpc_server_handled_total` by status code, bound on first use. */
  readonly handled: Map<Code, Counter.Internal>;
  readonly labels: Readonly<Record<(typeof METHOD_LABELS)[number], string>>;
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
  const registers = [registry];
  const methodCounter = (name: string, help: string): Counter<(typeof METHOD_LABELS)[number]> =>
    new Counter({ name, help, labelNames: METHOD_LABELS, registers });
  const started = methodCounter('grpc_server_started_total', 'Total number of RPCs started on the server.');
  const received = methodCounter('grpc_server_msg_received_total', 'Total number of RPC stream messages received on the server.');
  const sent = methodCounter('grpc_server_msg_sent_total', 'Total number of gRPC stream messages sent by the server.');
  const handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'Total number of RPCs completed on the server, regardless of success or failure.',
    labelNames: [...METHOD_LABELS, 'grpc_code'],
    registers,
  });
  const handling = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
    labelNames: METHOD_LABELS,
    buckets: [...HANDLING_SECONDS_BUCKETS],
    registers,
  });

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
  const startedAt = new WeakMap<InterceptedCall, number>();

  const interceptor = observe({
    onStart(call) {
      instrumentsOf(call.method).started.inc();
      startedAt.set(call, performance.now());
    },
    onRequest(_message, call) {
      instrumentsOf(call.method).received.inc();
    },
    onResponse(_message, call) {
      instrumentsOf(call.method).sent.inc();
    },
    onEnd(call, error) {
      const instruments = instrumentsOf(call.method);
      // The server sends anything that is not an RpcError as INTERNAL.
      const code = error === undefined ? Code.OK : RpcError.from(error, Code.INTERNAL).code;
      let counter = instruments.handled.get(code);
      if (counter === undefined) {
        counter = handled.labels({ ...instruments.labels, grpc_code: grpcCodeLabel(code) });
        instruments.handled.set(code, counter);
      }
      counter.inc();
      const start = startedAt.get(call);
      if (start !== undefined) instruments.handling.observe((performance.now() - start) / 1000);
    },
  });
  return { registry, interceptor };
}
