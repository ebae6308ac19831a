import * as grpc from '@grpc/grpc-js';
import { Code, RpcError, Service, UseInterceptors, defineModule, observe, type CallContext, type ServerInterceptor } from '@switchboard/core';
import { createEchoService, createLabService, Echo, type EchoReply, type EchoRequest, Lab } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import { memoryLogger, unary, type EchoHarness } from './harness';

/** Records each call's start and end, with its status, under `name`. */
const tracer = (name: string, log: string[]): ServerInterceptor =>
  observe({
    onStart: (call) => void log.push(`${name}>${call.method.name}`),
    onEnd: (_call, error) => void log.push(`<${name} ${error === undefined ? 'ok' : Code[RpcError.from(error).code]}`),
  });

type Client = EchoHarness['client'];

describe('module interceptors', () => {
  let running: RunningServer | undefined;
  const clients: grpc.Client[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await running?.shutdown(0);
    running = undefined;
  });

  it("run for their own module's services only, between the global and the service's interceptors", async () => {
    const log: string[] = [];

    @Service(Echo)
    @UseInterceptors(tracer('service', log))
    class TracedEcho extends createEchoService({ aborts: [], produced: 0 }) {
      @UseInterceptors(tracer('method', log))
      override async Unary(request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
        log.push('handler');
        return super.Unary(request, ctx);
      }
    }
    const echoModule = defineModule({ name: 'echo', services: [TracedEcho], interceptors: () => [tracer('echoModule', log)] });
    const labModule = defineModule({ name: 'lab', services: [createLabService('lab', new Map())], interceptors: () => [tracer('labModule', log)] });

    running = await startServer({
      modules: [echoModule, labModule],
      interceptors: [tracer('global', log)],
      logger: memoryLogger().logger,
      config: { argv: [], env: {}, configDir: null, values: { tree: { server: { port: 0 } }, origin: 'test' } },
    });
    const address = `127.0.0.1:${running.port}`;
    const echo = new (grpc.makeClientConstructor(Echo.definition, 'Echo'))(address, grpc.credentials.createInsecure()) as Client;
    const lab = new (grpc.makeClientConstructor(Lab.definition, 'Lab'))(address, grpc.credentials.createInsecure()) as Client;
    clients.push(echo, lab);

    await unary(echo, 'Unary', { message: 'x' });
    expect(log.splice(0)).toEqual([
      'global>Unary',
      'echoModule>Unary',
      'service>Unary',
      'method>Unary',
      'handler',
      '<method ok',
      '<service ok',
      '<echoModule ok',
      '<global ok',
    ]);

    await unary(lab, 'Flaky', { key: 'k', failures: 1, code: 'UNAVAILABLE' }).catch(() => undefined);
    await unary(lab, 'Flaky', { key: 'k', failures: 1, code: 'UNAVAILABLE' });
    expect(log.splice(0)).toEqual([
      'global>Flaky',
      'labModule>Flaky',
      '<labModule UNAVAILABLE',
      '<global UNAVAILABLE',
      'global>Flaky',
      'labModule>Flaky',
      '<labModule ok',
      '<global ok',
    ]);
  });
});
