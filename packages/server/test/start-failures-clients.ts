import * as grpc from '@grpc/grpc-js';
import { bindValue, createToken, type ModuleClient } from '@switchboard/core';

/** A stub of `switchboard.test.Echo`'s Unary (testing/echo/echo.proto), whose messages have `string message = 1` first. */
export interface EchoStub {
  unary(message: string): Promise<string>;
  close(): void;
}

/** Field 1, wire type 2 (a string), as protobuf encodes it; enough of EchoRequest and EchoReply for this test. */
const encode = (message: string): Buffer => {
  const bytes = Buffer.from(message);
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
};
const decode = (reply: Buffer): string => (reply[0] === 0x0a ? reply.subarray(2, 2 + (reply[1] ?? 0)).toString() : '');

/** A plain grpc-js client of Echo at `target`: loading echo-service would pull test helpers into this plain node child. */
function echoStub(target: string): EchoStub {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return {
    unary: (message) =>
      new Promise((done, fail) =>
        client.makeUnaryRequest(
          '/switchboard.test.Echo/Unary',
          encode,
          (b: Buffer) => b,
          message,
          (error, reply) => (error ? fail(error) : done(decode(reply!))),
        ),
      ),
    close: () => client.close(),
  };
}

/** The targets of the grpc-js channels of this process that are not closed and point at `127.0.0.1:port`, from grpc-js's channelz registry. */
export function channelsTo(port: number): string[] {
  type TopChannelsCall = Parameters<ReturnType<typeof grpc.getChannelzHandlers>['GetTopChannels']>[0];
  const targets: string[] = [];
  for (let start = 0; ;) {
    let page: { channel?: { ref?: { channel_id?: string }; data?: { target?: string } }[]; end?: boolean } | undefined;
    // A closed channel leaves the registry at once (grpc-js unregisters it in close()).
    grpc
      .getChannelzHandlers()
      .GetTopChannels({ request: { start_channel_id: String(start), max_results: '100' } } as unknown as TopChannelsCall, (error, value) => {
        if (error) throw new Error(`grpc-js channelz GetTopChannels failed with code ${error.code ?? '?'}`);
        page = value as typeof page;
      });
    const channels = page?.channel ?? [];
    targets.push(...channels.map((c) => c.data?.target ?? '').filter((target) => target.endsWith(`127.0.0.1:${port}`)));
    const last = Number(channels.at(-1)?.ref?.channel_id ?? NaN);
    if (page?.end !== false || !Number.isFinite(last)) return targets;
    start = last + 1;
  }
}

/** A client of `switchboard.test.Echo` at config key `backend.target`, opened as `defineClient`'s are: by the server, into the container. */
export const BackendToken = createToken<EchoStub>('test/Backend');
export const backendClient: ModuleClient = {
  name: 'backend',
  schema: { backend: { target: { doc: 'The Echo server the module calls.', format: String, default: '' } } },
  open: (_clients, { container, config }) => {
    const stub = echoStub((config as { backend: { target: string } }).backend.target);
    bindValue(container, BackendToken, stub);
    return { close: () => stub.close() };
  },
};
