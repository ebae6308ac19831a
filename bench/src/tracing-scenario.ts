import * as grpc from '@grpc/grpc-js';

/** One way of configuring the same `startServer` server, laid over no metrics, no access log and no tracing. */
export interface TracingVariant {
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** An OTLP/gRPC collector that takes every export and keeps only counts: where the traced servers send their spans. */
export interface TraceSink {
  /** `http://127.0.0.1:<port>`, for `tracing.endpoint`. */
  readonly endpoint: string;
  /** Export requests received and their bytes so far. */
  stats(): { exports: number; bytes: number };
  close(): Promise<void>;
}

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const raw = (bytes: Buffer): Buffer => bytes;

/**
 * Starts a {@link TraceSink} on 127.0.0.1: a grpc-js server answering
 * `TraceService/Export` with an empty response without decoding the spans, so
 * the cost measured is the traced server's (spans made, batched, encoded and
 * sent), not a collector's.
 */
export async function startTraceSink(): Promise<TraceSink> {
  let exports = 0;
  let bytes = 0;
  const server = new grpc.Server();
  server.addService(
    {
      Export: {
        path: EXPORT_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        exports++;
        bytes += call.request.length;
        callback(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => ({ exports, bytes }),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/**
 * The tracing variants of the observability cost measurement (bench:observability),
 * each exporting to `endpoint` (a {@link TraceSink}'s): "tracing off" is the
 * plain server (tracing is off by default and the bench server makes no
 * calls of its own). The load carries no traceparent, so every call is a new
 * trace's root: at `sampleRatio` 1 each is recorded and exported; at 0 the
 * interceptor still runs and makes a non-recording span.
 */
export function tracingVariants(endpoint: string): TracingVariant[] {
  const tracing = (sampleRatio: number) => ({ enabled: true, exporter: 'otlp-grpc', endpoint, serviceName: 'bench', sampleRatio });
  return [
    { name: 'tracing (every call recorded, OTLP/gRPC)', config: { tracing: tracing(1) } },
    { name: 'tracing, sampleRatio 0', config: { tracing: tracing(0) } },
    { name: 'metrics + access log + tracing', config: { metrics: { enabled: true }, log: { access: { enabled: true } }, tracing: tracing(1) } },
  ];
}
