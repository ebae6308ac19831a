import type { Schema } from 'convict';

/** Where `startServer`'s tracing SDK sends spans. */
export const TRACING_EXPORTERS = ['otlp-grpc', 'otlp-http', 'console', 'none'] as const;

/** One of {@link TRACING_EXPORTERS}. */
export type TracingExporter = (typeof TRACING_EXPORTERS)[number];

/** The `tracing` keys of a server: OpenTelemetry spans per call, and where they go. */
export interface TracingConfig {
  tracing: { enabled: boolean; exporter: TracingExporter; endpoint: string; serviceName: string; sampleRatio: number };
}

/** The convict schema of {@link TracingConfig}; off by default. */
export const tracingConfigSchema: Schema<TracingConfig> = {
  tracing: {
    enabled: {
      doc: 'A SERVER span per call (and the SDK set up with the exporter below). Off: no spans, but an incoming traceparent still reaches the calls a handler makes.',
      format: Boolean,
      default: false,
      env: 'TRACING_ENABLED',
    },
    exporter: {
      doc: 'Where spans go: otlp-grpc, otlp-http, console (stdout), or none: no SDK set up; spans go to the tracer provider the process registered itself.',
      format: [...TRACING_EXPORTERS],
      default: 'otlp-grpc',
      env: 'TRACING_EXPORTER',
    },
    endpoint: {
      doc: "The collector's URL; empty for the exporter's default (otlp-grpc: http://localhost:4317, otlp-http: http://localhost:4318/v1/traces).",
      format: endpointProblem,
      default: '',
      env: 'TRACING_ENDPOINT',
    },
    serviceName: {
      doc: "The resource's service.name; empty for OpenTelemetry's default, unknown_service:node.",
      format: String,
      default: '',
      env: 'TRACING_SERVICE_NAME',
    },
    sampleRatio: {
      doc: 'The share of new traces (no sampled parent) recorded, from 0 to 1; a call whose caller sent a traceparent follows its sampled flag.',
      format: 'fraction',
      default: 1,
      env: 'TRACING_SAMPLE_RATIO',
    },
  },
};

function endpointProblem(value: unknown): void {
  if (value === '') return;
  if (typeof value !== 'string' || !/^https?:\/\/[^\s/]+/.test(value) || !URL.canParse(value)) {
    throw new Error('must be an http:// or https:// URL (or empty for the default)');
  }
}
