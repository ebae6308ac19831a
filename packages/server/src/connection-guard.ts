import * as http2 from 'node:http2';
import * as net from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { SwitchboardError, type Logger } from '@switchboard/core';
import { NEVER_MS } from './connection-options';
import { checkGrpcTimeout } from './grpc-timeout';
import { ResetBudget } from './reset-budget';

/** Options of {@link guardConnections}. */
export interface ConnectionGuardOptions {
  /** A connection that has not sent the HTTP/2 preface and its SETTINGS within this long is closed; from 2^31 - 1 ms on (past a timer's reach), never. */
  readonly handshakeTimeoutMs: number;
  /** The largest request header list, counted as HTTP/2 does (name + value + 32 per field). */
  readonly maxMetadataBytes: number;
  readonly logger: Logger;
}

/** What grpc-js 1.14.7 keeps for each HTTP/2 server it listens with (`Server.http2Servers`, private). */
interface Http2ServerEntry {
  readonly sessions: Set<http2.ServerHttp2Session>;
}

/**
 * grpc-js's HTTP/2 servers. Reaching them this way is a choice: the public
 * alternative, `createConnectionInjector` fed by a `net.Server` of our own,
 * would move address resolution, dual-stack binding, the bound port and the
 * closing of listeners on shutdown out of grpc-js and into this package, and
 * it still hands the socket to an HTTP/2 server we cannot reach. Reading one
 * private map of the exactly pinned grpc-js is the smaller dependency, and it
 * is checked here so that a grpc-js that moves it fails at start, not silently.
 */
export function http2ServersOf(server: grpc.Server): Map<http2.Http2Server, Http2ServerEntry> {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map) || [...servers.keys()].some((s) => !(s instanceof net.Server) || !('updateSettings' in s))) {
    throw new SwitchboardError(
      'SB_ERR_LISTEN',
      'cannot reach the HTTP/2 servers of @grpc/grpc-js (Server.http2Servers is gone or changed); ' +
        'the connection limits need the grpc-js version in package.json',
    );
  }
  return servers as Map<http2.Http2Server, Http2ServerEntry>;
}

/**
 * Bounds what one connection can do to the server, on every HTTP/2 server
 * grpc-js listens with, for the sessions to come and (when binding several
 * addresses let some in early) those already open:
 *
 * - handshake: a connection that has not sent the client preface and its
 *   SETTINGS frame (RFC 9113 §3.4) within `handshakeTimeoutMs` is destroyed;
 * - metadata: SETTINGS_MAX_HEADER_LIST_SIZE is `maxMetadataBytes`. Node resets
 *   a larger request with RST_STREAM ENHANCE_YOUR_CALM (RESOURCE_EXHAUSTED at
 *   the client) once the client has acknowledged that setting; before that,
 *   nghttp2 still applies its default, so the same reset is made here;
 * - resets: see {@link ResetBudget}; the connection is sent GOAWAY NO_ERROR
 *   before nghttp2's reset limit would end it with INTERNAL_ERROR;
 * - closing: see {@link closeEndsIdle};
 * - deadlines: each request's `grpc-timeout` goes through
 *   {@link checkGrpcTimeout} before grpc-js reads it (its 'stream' listener
 *   comes after this one).
 *
 * @internal
 */
export function guardConnections(server: grpc.Server, options: ConnectionGuardOptions): void {
  for (const [http2Server, entry] of http2ServersOf(server)) {
    http2Server.prependListener('stream', (_stream: unknown, headers: http2.IncomingHttpHeaders) => checkGrpcTimeout(headers));
    http2Server.updateSettings({ maxHeaderListSize: options.maxMetadataBytes });
    http2Server.on('session', (session: http2.ServerHttp2Session) => guardSession(session, options, true));
    for (const session of entry.sessions) {
      session.settings({ maxHeaderListSize: options.maxMetadataBytes });
      guardSession(session, options, false);
    }
  }
}

function guardSession(session: http2.ServerHttp2Session, options: ConnectionGuardOptions, isNew: boolean): void {
  const peer = `${session.socket.remoteAddress}:${session.socket.remotePort}`;
  // A session already open when the guard came may have had its SETTINGS: no handshake timer for it.
  if (isNew && options.handshakeTimeoutMs < NEVER_MS) limitHandshake(session, options, peer);
  limitHeaderList(session, options.maxMetadataBytes, isNew);
  watchStreams(session, options, peer);
}

function limitHandshake(session: http2.ServerHttp2Session, options: ConnectionGuardOptions, peer: string): void {
  const handshake = setTimeout(() => {
    options.logger.debug({ peer, handshakeTimeoutMs: options.handshakeTimeoutMs }, 'no HTTP/2 preface in time; connection closed');
    session.destroy();
  }, options.handshakeTimeoutMs);
  handshake.unref();
  const settled = (): void => clearTimeout(handshake);
  session.once('remoteSettings', settled);
  session.once('close', settled);
}

/** Node's own check of the header list starts once the client has acknowledged our SETTINGS; this one covers the time before. */
function limitHeaderList(session: http2.ServerHttp2Session, maxBytes: number, isNew: boolean): void {
  const checkHeaders = (stream: http2.ServerHttp2Stream, _headers: unknown, _flags: unknown, rawHeaders: string[]): void => {
    let bytes = 0;
    for (const field of rawHeaders) bytes += field.length;
    bytes += (rawHeaders.length / 2) * 32;
    if (bytes > maxBytes) stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
  };
  session.prependListener('stream', checkHeaders);
  if (isNew) session.once('localSettings', () => session.off('stream', checkHeaders));
}

/** Counts the streams open and those the client reset; see {@link ResetBudget} and {@link closeEndsIdle}. */
function watchStreams(session: http2.ServerHttp2Session, options: ConnectionGuardOptions, peer: string): void {
  const budget = new ResetBudget();
  const calls = { open: 0 };
  closeEndsIdle(session, calls);
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    calls.open++;
    stream.once('close', () => {
      calls.open--;
      if (stream.rstCode === http2.constants.NGHTTP2_NO_ERROR || session.closed || !budget.spend()) return;
      options.logger.debug({ peer }, 'many streams reset by the client; connection asked to go away');
      // Not from inside the stream's close: nghttp2 is still in its callback there.
      setImmediate(() => {
        // GOAWAY NO_ERROR naming the last stream taken: those finish, the client reconnects for
        // new calls. nghttp2 refuses any stream that crossed the GOAWAY (REFUSED_STREAM, which
        // clients retry transparently); it has no grace for them once a GOAWAY is out.
        if (!session.closed && !session.destroyed) session.close();
      });
    });
  });
}

/**
 * Node ends a gracefully closed session once its native side has no stream
 * left, and that side counts a stream whose HEADERS block has begun but not
 * ended (no END_HEADERS yet), which JavaScript never sees: a peer that stops
 * there would hold the connection open for good, past the idle limit that
 * closed it. So `close()` with no call open ends the session at once; the
 * GOAWAY is still sent first.
 */
function closeEndsIdle(session: http2.ServerHttp2Session, calls: { readonly open: number }): void {
  const close = session.close.bind(session);
  session.close = (callback?: () => void): void => {
    close(callback);
    if (calls.open === 0) {
      setImmediate(() => {
        if (!session.destroyed) session.destroy();
      });
    }
  };
}
