import { ProxyTracerProvider, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpHttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { SwitchboardError } from '@switchboard/core';
import type { TracingConfig } from './tracing-config';

type Tracing = TracingConfig['tracing'];

/** The SDK this process runs, shared by every server started in it. */
interface Installed {
  readonly key: string;
  readonly provider: TracerProvider;
  users: number;
}

let installed: Installed | undefined;

/**
 * Sets up the OpenTelemetry SDK for `tracing` once per process (further
 * servers with the same config share it) and returns what releases it: the
 * last release flushes the spans still batched and unregisters everything,
 * so a later start can set it up again. With exporter `none` nothing is set
 * up: the process must have registered its own tracer provider and context
 * manager (as `@opentelemetry/sdk-node` does), or this throws saying which is
 * missing.
 * @internal
 */
export function acquireTracingSdk(tracing: Tracing): () => Promise<void> {
  if (tracing.exporter === 'none') {
    requireRegisteredSdk();
    return () => Promise.resolve();
  }
  const key = JSON.stringify(tracing);
  if (installed !== undefined) {
    if (installed.key !== key) {
      throw new SwitchboardError(
        'SB_ERR_CONFIG',
        `tracing: this process already runs a tracing SDK set up with ${installed.key}; a second server asks for ${key}`,
      );
    }
    installed.users++;
  } else installed = install(tracing, tracing.exporter, key);
  const sdk = installed;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (--sdk.users > 0) return;
    installed = undefined;
    try {
      await sdk.provider.shutdown();
    } finally {
      trace.disable();
      context.disable();
      propagation.disable();
    }
  };
}

function install(tracing: Tracing, exporter: Exclude<Tracing['exporter'], 'none'>, key: string): Installed {
  const provider = new TracerProvider({
    resource: tracing.serviceName === '' ? defaultResource() : defaultResource().merge(resourceFromAttributes({ 'service.name': tracing.serviceName })),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(tracing.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter: exporterFor({ ...tracing, exporter }) })],
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    void provider.shutdown().catch(() => undefined);
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `tracing.exporter is '${tracing.exporter}', but this process has registered a tracer provider of its own; set tracing.exporter to 'none' to use it`,
    );
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  return { key, provider, users: 1 };
}

function exporterFor(tracing: Tracing & { exporter: Exclude<Tracing['exporter'], 'none'> }): SpanExporter {
  const url = tracing.endpoint === '' ? undefined : tracing.endpoint;
  switch (tracing.exporter) {
    case 'otlp-grpc':
      return new OtlpGrpcExporter({ url: url ?? 'http://localhost:4317' });
    case 'otlp-http':
      return new OtlpHttpExporter({ url: url ?? 'http://localhost:4318/v1/traces' });
    case 'console':
      return new ConsoleSpanExporter();
  }
}

/** Exporter `none`: the spans go to the process's own SDK, which must be there. */
function requireRegisteredSdk(): void {
  const missing: string[] = [];
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider && provider.getDelegateTracer('@switchboard/server') === undefined) missing.push('a tracer provider');
  const probe = Symbol('switchboard.tracing.probe');
  const seen = context.with(context.active().setValue(probe, true), () => context.active().getValue(probe));
  if (seen !== true) missing.push('a context manager');
  if (missing.length > 0) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `tracing.exporter is 'none', so the process's own OpenTelemetry SDK is used, but it has not registered ${missing.join(' or ')} ` +
        `(register them before startServer, as @opentelemetry/sdk-node's NodeSDK.start() does, or pick an exporter: ${['otlp-grpc', 'otlp-http', 'console'].join(', ')})`,
    );
  }
}
