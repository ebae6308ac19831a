import { createHistogram, performance } from 'node:perf_hooks';
import { ServerError, Status, createServer, type ServerMiddleware } from 'nice-grpc';
import { BENCH_TOKEN, Bench, type BenchReply, type BenchRequest, type BenchServer } from './bench-definition';
import { benchHandlers } from './bench-handlers';

/**
 * Server C: nice-grpc (another Node gRPC framework, on the same grpc-js) with
 * three middlewares doing what B's interceptors do: a metrics histogram of
 * call durations, the auth check, and a per-message counter.
 */
export async function startNiceGrpcServer(): Promise<BenchServer> {
  const durations = createHistogram();
  let failed = 0;
  let requests = 0;
  let responses = 0;

  const metrics: ServerMiddleware = async function* (call, context) {
    const t0 = performance.now();
    try {
      return yield* call.next(call.request, context);
    } catch (error) {
      failed++;
      throw error;
    } finally {
      durations.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    }
  };

  const auth: ServerMiddleware = async function* (call, context) {
    if (context.metadata.get('authorization') !== BENCH_TOKEN) throw new ServerError(Status.UNAUTHENTICATED, 'missing or wrong token');
    return yield* call.next(call.request, context);
  };

  async function* countRequests<T>(source: AsyncIterable<T>): AsyncIterable<T> {
    for await (const request of source) {
      requests++;
      yield request;
    }
  }

  const counter: ServerMiddleware = async function* (call, context) {
    if (!call.requestStream) requests++;
    const request = call.requestStream ? countRequests(call.request) : call.request;
    if (!call.responseStream) {
      const response = yield* call.next(request, context);
      responses++;
      return response;
    }
    for await (const response of call.next(request, context)) {
      responses++;
      yield response;
    }
    return;
  };

  const server = createServer().use(metrics).use(auth).use(counter);
  server.add(Bench.definition, {
    async Unary(request: BenchRequest): Promise<BenchReply> {
      return benchHandlers.unary(request);
    },
    async *ServerStream(request: BenchRequest): AsyncIterable<BenchReply> {
      yield* benchHandlers.stream(request);
    },
    async ClientStream(requests: AsyncIterable<BenchRequest>): Promise<BenchReply> {
      return benchHandlers.upload(requests);
    },
    Bidi(requests: AsyncIterable<BenchRequest>): AsyncIterable<BenchReply> {
      return benchHandlers.echoEach(requests);
    },
  });
  const port = await server.listen('127.0.0.1:0');
  return {
    port,
    stats: () => ({ calls: durations.count, failed, requests, responses, durationP50Us: durations.percentile(50), durationP99Us: durations.percentile(99) }),
    close: () => server.shutdown(),
  };
}
