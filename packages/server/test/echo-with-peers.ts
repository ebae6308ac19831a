import type { ServerConfig, ServerInterceptor } from '@switchboard/core';
import { startEcho, type EchoHarness } from './harness';

/** Echo with `config`; `peers` has each call's peer (ip:port), so a test can tell connections apart. */
export async function startEchoWithPeers(config: Partial<ServerConfig['server']> = {}): Promise<EchoHarness & { peers: string[] }> {
  const peers: string[] = [];
  const recordPeer: ServerInterceptor = (call, next) => {
    peers.push(call.ctx.peer);
    return next(call);
  };
  return Object.assign(await startEcho({ config, interceptors: [recordPeer] }), { peers });
}
