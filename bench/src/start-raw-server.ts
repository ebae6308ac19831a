import * as grpc from '@grpc/grpc-js';
import { Bench, type BenchReply, type BenchRequest, type BenchServer } from './bench-definition';
import { benchHandlers } from './bench-handlers';

/** Server A: a bare grpc-js server with plain handlers, on 127.0.0.1 and a free port. */
export async function startRawServer(): Promise<BenchServer> {
  const server = new grpc.Server();
  server.addService(Bench.definition, {
    Unary: (call: grpc.ServerUnaryCall<BenchRequest, BenchReply>, callback: grpc.sendUnaryData<BenchReply>) => {
      callback(null, benchHandlers.unary(call.request));
    },
    ServerStream: (call: grpc.ServerWritableStream<BenchRequest, BenchReply>) => {
      for (const reply of benchHandlers.stream(call.request)) call.write(reply);
      call.end();
    },
    ClientStream: (call: grpc.ServerReadableStream<BenchRequest, BenchReply>, callback: grpc.sendUnaryData<BenchReply>) => {
      let count = 0;
      let last: BenchRequest | undefined;
      call.on('data', (request: BenchRequest) => {
        count++;
        last = request;
      });
      call.on('end', () => callback(null, benchHandlers.uploaded(last, count)));
    },
    Bidi: (call: grpc.ServerDuplexStream<BenchRequest, BenchReply>) => {
      let index = 0;
      call.on('data', (request: BenchRequest) => call.write(benchHandlers.echo(request, index++)));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p)));
  });
  return {
    port,
    stats: () => ({}),
    close: async () => server.forceShutdown(),
  };
}
