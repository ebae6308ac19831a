import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { Code, RpcError, type InterceptedCall, type ServerInterceptor, type ServerNext } from '@switchboard/core';
import type * as grpc from '@grpc/grpc-js';

/** The instrumentation scope of the server's spans. */
export const SERVER_TRACER_NAME = '@switchboard/server';

/** The codes that make a SERVER span an error (OpenTelemetry's gRPC semantic conventions); the others are the caller's doing. */
const SERVER_ERRORS: ReadonlySet<Code> = new Set([Code.UNKNOWN, Code.DEADLINE_EXCEEDED, Code.UNIMPLEMENTED, Code.INTERNAL, Code.UNAVAILABLE, Code.DATA_LOSS]);

/** W3C trace context and baggage, for a process that registered no propagator of its own. */
const W3C = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

const metadataGetter: TextMapGetter<grpc.Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((v): v is string => typeof v === 'string');
    return values.length === 0 ? undefined : values;
  },
};

/**
 * A process-wide interceptor that makes a SERVER span per call, named
 * `package.Service/Method`, with the gRPC semantic-convention attributes
 * (`rpc.system`, `rpc.service`, `rpc.method`, `rpc.grpc.status_code`,
 * `network.peer.*`, `server.*`), child of the `traceparent`/`tracestate`
 * the caller sent. Its status is ERROR for UNKNOWN, DEADLINE_EXCEEDED,
 * UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS, as the conventions ask
 * of a server; a deadline or a cancel ends it with that code. The rest of the
 * chain and the handler run with the span active, so the calls the handler
 * makes (and the spans it starts) are its children. Spans go to the global
 * tracer provider; `startServer` installs this outermost with
 * `tracing.enabled`.
 *
 * @example
 * new SwitchboardServer({ config: config.server, logger, interceptors: [serverTracingInterceptor()] });
 */
export function serverTracingInterceptor(): ServerInterceptor {
  const tracer = trace.getTracer(SERVER_TRACER_NAME);
  return (call, next) => {
    const { method, ctx } = call;
    const propagator = propagation.fields().length > 0 ? propagation : W3C;
    const parent = propagator.extract(ROOT_CONTEXT, ctx.metadata, metadataGetter);
    const attributes: Attributes = { 'rpc.system': 'grpc', 'rpc.service': method.service, 'rpc.method': method.name };
    addAddress(attributes, 'network.peer', ctx.peer);
    addAddress(attributes, 'server', ctx.grpcCall.getHost());
    const span = tracer.startSpan(`${method.service}/${method.name}`, { kind: SpanKind.SERVER, attributes }, parent);
    return new TracedCall(call, next, span, trace.setSpan(parent, span));
  };
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** The responses of one traced call: each step of the rest of the chain runs in the span's context. */
class TracedCall implements AsyncIterableIterator<unknown> {
  private readonly inner: AsyncIterator<unknown>;
  private ended = false;

  constructor(
    private readonly call: InterceptedCall,
    next: ServerNext,
    private readonly span: Span,
    private readonly active: Context,
  ) {
    try {
      this.inner = context.with(active, () => next(call)[Symbol.asyncIterator]());
    } catch (error) {
      this.end(error);
      throw error;
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.ended) return Promise.resolve(DONE);
    return context.with(this.active, () => this.inner.next()).then(this.onResult, this.onError);
  }

  /** The consumer stopped early (the call was cancelled, or its deadline passed, while a response waited). */
  async return(): Promise<IteratorResult<unknown>> {
    try {
      await context.with(this.active, () => this.inner.return?.());
    } catch (error) {
      this.end(error);
      throw error;
    }
    const { ctx } = this.call;
    const reason = 'abortReason' in ctx ? (ctx as { abortReason?: unknown }).abortReason : ctx.signal.aborted ? (ctx.signal.reason as unknown) : undefined;
    this.end(reason);
    return DONE;
  }

  private readonly onResult = (result: IteratorResult<unknown>): IteratorResult<unknown> => {
    if (result.done === true) this.end(undefined);
    return result;
  };

  private readonly onError = (error: unknown): never => {
    this.end(error);
    throw error;
  };

  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    // The server sends anything that is not an RpcError as INTERNAL.
    const failure = error === undefined ? undefined : RpcError.from(error, Code.INTERNAL);
    const code = failure?.code ?? Code.OK;
    this.span.setAttribute('rpc.grpc.status_code', code);
    if (failure !== undefined && SERVER_ERRORS.has(code)) this.span.setStatus({ code: SpanStatusCode.ERROR, message: failure.rawMessage });
    this.span.end();
  }
}

/**
 * `<prefix>.address` and `<prefix>.port` from a grpc-js address or an
 * `:authority`: `127.0.0.1:50051`, `ipv4:127.0.0.1:50051`, `[::1]:50051`,
 * `ipv6:[::1]:50051`, `localhost`.
 * @internal
 */
export function addAddress(attributes: Attributes, prefix: string, text: string | undefined): void {
  if (!text) return;
  const match = /^(?:ipv[46]:)?(?:\[([^\]]+)\]|([^:]*)):?(\d+)?$/.exec(text);
  if (match === null) {
    attributes[`${prefix}.address`] = text;
    return;
  }
  const address = match[1] ?? match[2];
  if (address) attributes[`${prefix}.address`] = address;
  if (match[3] !== undefined) attributes[`${prefix}.port`] = Number(match[3]);
}
