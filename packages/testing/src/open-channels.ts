import * as grpc from '@grpc/grpc-js';

/** A grpc-js channel of this process that still points at a server under test. */
export interface OpenChannel {
  /** The target it was made with, e.g. `dns:///127.0.0.1:40123`. */
  readonly target: string;
  /** Calls it has made. */
  readonly calls: number;
  /** Its connectivity state, e.g. `READY`. */
  readonly state: string;
}

type Handlers = ReturnType<typeof grpc.getChannelzHandlers>;
type TopChannelsCall = Parameters<Handlers['GetTopChannels']>[0];

/**
 * The grpc-js channels of this process, made by any client (ours, a raw
 * grpc-js one), that are not closed, target `host:port` and have made a
 * call or are not idle: a client a test forgot to close. Read from grpc-js's
 * channelz registry (`getChannelzHandlers`, public API): a channel leaves it
 * when it is closed, at once, so the answer does not race the close. Clients
 * in other processes and channels made with `grpc.enable_channelz: 0` are not
 * seen.
 * @internal
 */
export function openChannelsTo(host: string, port: number): OpenChannel[] {
  const handlers = grpc.getChannelzHandlers();
  const pointsHere = targetMatcher(host, port);
  const found: OpenChannel[] = [];
  let start = 0;
  for (;;) {
    let page: { channel?: unknown[]; end?: boolean } | undefined;
    handlers.GetTopChannels({ request: { start_channel_id: String(start), max_results: '100' } } as unknown as TopChannelsCall, (error, value) => {
      if (error) throw new Error(`grpc-js channelz GetTopChannels failed with code ${error.code ?? '?'}`);
      page = value as typeof page;
    });
    const channels = (page?.channel ?? []) as {
      ref?: { channel_id?: unknown };
      data?: { target?: unknown; calls_started?: unknown; state?: { state?: unknown } };
    }[];
    for (const { data } of channels) {
      const target = typeof data?.target === 'string' ? data.target : '';
      const calls = Number(data?.calls_started ?? 0);
      const state = typeof data?.state?.state === 'string' ? data.state.state : 'UNKNOWN';
      if (pointsHere(target) && (calls > 0 || state !== 'IDLE')) found.push({ target, calls, state });
    }
    const last = Number(channels.at(-1)?.ref?.channel_id ?? NaN);
    if (page?.end !== false || !Number.isFinite(last)) return found;
    start = last + 1;
  }
}

/** Matches the targets that name `host:port` or a loopback name for it: `127.0.0.1:P`, `dns:///localhost:P`, `ipv4:127.0.0.1:P`, `static:///a:1,127.0.0.1:P`. */
function targetMatcher(host: string, port: number): (target: string) => boolean {
  const hosts = new Set([host, '127.0.0.1', 'localhost', '[::1]', '::1']);
  const names = [...hosts].map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const pattern = new RegExp(`(?:^|[/,:@])(?:${names}):${port}(?:$|[,/?])`);
  return (target) => pattern.test(target);
}
