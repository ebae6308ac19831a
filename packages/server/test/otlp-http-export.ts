import * as grpc from '@grpc/grpc-js';
import { defineModule } from '@switchboard/core';
import { startServer } from '../src/index';
import pino from 'pino';
import { createEchoService, echoProto } from '@switchboard/test-support';

/**
 * Run by tracing.int.test.ts in a plain node child (the OTLP/HTTP exporter
 * loads node:http with a dynamic import(), which jest's module system
 * refuses): a server exporting over OTLP/HTTP to `endpoint` serves one call
 * and shuts down.
 */
export async function childMain({ endpoint }: { endpoint: string }): Promise<void> {
  const running = await startServer({
    modules: [defineModule({ name: 'echo', services: [createEchoService({ aborts: [], produced: 0 })] })],
    logger: pino({ level: 'silent' }),
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: { tree: { server: { port: 0 }, tracing: { enabled: true, exporter: 'otlp-http', endpoint, serviceName: 'echo-http' } }, origin: 'test' },
    },
  });
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
  const client = new pkg.switchboard.test.Echo(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Unary: (request: object, callback: (error: Error | null) => void) => void;
  };
  await new Promise<void>((resolve, reject) => client.Unary({ message: 'exported' }, (error) => (error ? reject(error) : resolve())));
  client.close();
  process.stdout.write('called\n');
  await running.shutdown(0);
  process.stdout.write('shut down\n');
}
