import type * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { Code, RpcError, currentCallContext, observeClient, type ClientInterceptor, type OutgoingCall } from '@switchboard/core';
import { channelTarget } from './target';

/** The instrumentation scope of the client's spans. */
export const CLIENT_TRACER_NAME = '@switchboard/client';

/** W3C trace context and baggage, for a process that registered no propagator of its own (tracing off). */
const W3C = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

const getter: TextMapGetter<grpc.Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((v): v is string => typeof v === 'string');
    return values.length === 0 ? undefined : values;
  },
};
const setter: TextMapSetter<grpc.Metadata> = { set: (metadata, key, value) => metadata.set(key, value) };

/**
 * The interceptor `openClients` puts on every client, before the client's own
 * interceptors (and inside only the metrics one): a CLIENT span
 * per call (`package.Service/Method`, the gRPC semantic-convention attributes
 * `rpc.*` and `server.address`/`server.port` of the configured target; every
 * status but OK is an error) and the W3C `traceparent`, `tracestate` and
 * `baggage` of the call in its metadata.
 *
 * The parent is the active OpenTelemetry span (inside a handler of a server
 * with `tracing.enabled`, the call's SERVER span). Without one, inside a
 * handler, it is what the incoming call's metadata carries, and outside a
 * handler, a `traceparent` the caller put in the call's own metadata: so with
 * tracing off and no SDK in the process, an incoming `traceparent` reaches
 * the calls the handler makes unchanged (same trace, same parent), the way
 * deadlines do. With none of these and no SDK, nothing is added. Spans are
 * recorded only when the process has a tracer provider registered.
 * @internal
 */
export function clientTracingInterceptor(target: string): ClientInterceptor {
  const tracer = trace.getTracer(CLIENT_TRACER_NAME);
  const base: Attributes = { 'rpc.system': 'grpc' };
  addTargetAddress(base, target);
  const spans = new WeakMap<OutgoingCall, Span>();
  const observed = observeClient({
    onEnd: (call, error) => {
      const span = spans.get(call);
      if (span === undefined) return;
      const code = error === undefined ? Code.OK : RpcError.from(error).code;
      span.setAttribute('rpc.grpc.status_code', code);
      if (code !== Code.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: RpcError.from(error).rawMessage });
      span.end();
    },
  });
  return (call, next) => {
    const propagator = propagation.fields().length > 0 ? propagation : W3C;
    let parent = context.active();
    if (trace.getSpanContext(parent) === undefined) {
      // No active span: the incoming call's trace, or else one the caller put in this call's metadata.
      parent = propagator.extract(parent, currentCallContext()?.metadata ?? call.metadata, getter);
    }
    const { method } = call;
    const span = tracer.startSpan(
      `${method.service}/${method.name}`,
      { kind: SpanKind.CLIENT, attributes: { ...base, 'rpc.service': method.service, 'rpc.method': method.name } },
      parent,
    );
    propagator.inject(trace.setSpan(parent, span), call.metadata, setter);
    if (!span.isRecording()) return next(call);
    spans.set(call, span);
    return observed(call, next);
  };
}

/** `server.address` and `server.port` of a configured target (`host:port`, `dns:///host:port`, `etcd:///orders`). */
function addTargetAddress(attributes: Attributes, target: string): void {
  const rest = /^[a-z][a-z0-9+.-]*:(?:\/\/[^/]*\/)?(.*)$/i.exec(channelTarget(target))?.[1] ?? target;
  const match = /^(?:\[([^\]]+)\]|([^:,[\]]+)):(\d+)$/.exec(rest);
  if (match === null) {
    if (rest !== '') attributes['server.address'] = rest;
    return;
  }
  attributes['server.address'] = match[1] ?? match[2]!;
  attributes['server.port'] = Number(match[3]);
}

/** `client` with {@link clientTracingInterceptor} of its target before its own interceptors. @internal */
export function withClientTracing<C extends { readonly config: { readonly target: string }; readonly interceptors: readonly ClientInterceptor[] }>(
  client: C,
): C {
  return { ...client, interceptors: [clientTracingInterceptor(client.config.target), ...client.interceptors] };
}
