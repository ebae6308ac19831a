import { SwitchboardServer } from '@switchboard/server';
import { schemaDefaults, serverConfigSchema, type ServerConfig, type ServerInterceptor } from '@switchboard/core';
import pino from 'pino';
import { createEchoService, createLabService, type LastHop, type Observed } from '@switchboard/test-support';

function defaults(port: number): ServerConfig['server'] {
  return { ...schemaDefaults(serverConfigSchema).server, port };
}

/** Echo and Lab on one server at 127.0.0.1:`port` (0 picks one); `peers` lists each call's peer address. */
export async function echoServer(listenOn = 0) {
  const peers: string[] = [];
  const recordPeer: ServerInterceptor = (call, next) => {
    peers.push(call.ctx.peer);
    return next(call);
  };
  const observed: Observed = { aborts: [], produced: 0 };
  const seen = new Map<string, LastHop>();
  const server = new SwitchboardServer({ config: defaults(listenOn), logger: pino({ level: 'silent' }), interceptors: [recordPeer] });
  const Echo = createEchoService(observed);
  const Lab = createLabService('lab', seen);
  server.addService(new Echo());
  server.addService(new Lab());
  const port = await server.listen();
  return { port, observed, peers, server, close: () => server.shutdown(0) };
}
