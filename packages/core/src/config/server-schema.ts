import type { Schema } from 'convict';

/** The `server` and `log` keys every Switchboard process has. */
export interface ServerConfig {
  server: {
    host: string;
    port: number;
    /** Processes serving the port: a count, or `'auto'` for one per available core (see the server's README, "Workers"). */
    workers: number | 'auto';
    reflection: boolean;
    health: boolean;
    shutdownGraceMs: number;
    halfCloseSettleMs: number;
    exposeDownstreamErrors: boolean;
    maxReceiveMessageBytes: number;
    maxSendMessageBytes: number;
    maxConcurrentStreams: number;
    maxMetadataBytes: number;
    handshakeTimeoutMs: number;
    maxConnectionIdleMs: number;
    maxConnectionAgeMs: number;
    maxConnectionAgeGraceMs: number;
    keepalive: { timeMs: number; timeoutMs: number; permitWithoutCalls: boolean };
    /** TLS of the listening port; `certFile` and `keyFile` empty (the default) serve plaintext. */
    tls: { certFile: string; keyFile: string; caFile: string; clientAuth: 'none' | 'request' | 'require'; watchIntervalMs: number };
  };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    /** One info line (`msg: 'call'`) per call; see the server's README, "Access log". */
    access: { enabled: boolean; sampleRate: number; slowMs: number };
  };
}

const MIB = 1024 * 1024;

function validateWorkers(value: unknown): void {
  if (value === 'auto' || (Number.isSafeInteger(value) && (value as number) >= 1)) return;
  throw new Error('must be a whole number of 1 or more, or "auto" (one worker per available core)');
}

/** The convict schema of {@link ServerConfig}; defaults serve on 127.0.0.1:50051. */
export const serverConfigSchema: Schema<ServerConfig> = {
  server: {
    host: { doc: 'Address to listen on.', format: 'host', default: '127.0.0.1', env: 'HOST' },
    port: { doc: 'Port to listen on; 0 picks a free one.', format: 'port', default: 50051, env: 'PORT' },
    workers: {
      doc:
        'Worker processes serving the port, each running every module (node:cluster; the primary process hands them connections): ' +
        'a whole number of 1 or more, or "auto" for one per available core (os.availableParallelism()). 1 serves in this process.',
      format: validateWorkers,
      default: 1,
      env: 'WORKERS',
    },
    reflection: { doc: 'Serve grpc.reflection v1 and v1alpha.', format: Boolean, default: true },
    health: { doc: 'Serve grpc.health.v1.', format: Boolean, default: true },
    shutdownGraceMs: {
      doc: 'How long in-flight calls may run after SIGTERM before they are cancelled.',
      format: 'duration',
      default: 10000,
      env: 'SHUTDOWN_GRACE_MS',
    },
    halfCloseSettleMs: {
      doc:
        'A fixed wait after the end of a request stream before the handler sees it, for a proxy in front that forwards ' +
        "a grpc-js client's cancel (END_STREAM, then RST_STREAM) as two frames apart; 0 (the default) needs no wait " +
        'for clients that connect directly. It adds this much latency to the end of every client-streaming and bidi upload.',
      format: 'duration',
      default: 0,
    },
    exposeDownstreamErrors: {
      doc:
        "Pass the message of a status that a handler's own outgoing call received on to its caller as it is. By default " +
        'the caller gets the code and details with a generic message, and the message (which may name internal hosts) is logged here.',
      format: Boolean,
      default: false,
    },
    maxReceiveMessageBytes: { doc: 'Largest request message accepted.', format: 'positive-int', default: 4 * MIB },
    maxSendMessageBytes: { doc: 'Largest response message sent.', format: 'positive-int', default: 4 * MIB },
    maxConcurrentStreams: { doc: 'Calls at once on one connection.', format: 'http2-setting', default: 100 },
    maxMetadataBytes: {
      doc:
        'Largest request metadata (headers) accepted on one call, in bytes as HTTP/2 counts them (name + value + 32 per field); ' +
        'a larger one fails only that call with RESOURCE_EXHAUSTED. Node also caps a call at 128 fields, and one field over ' +
        '65,536 octets as encoded on the wire ends the whole connection (a fixed limit of nghttp2).',
      format: 'http2-setting',
      default: 16384,
    },
    handshakeTimeoutMs: {
      doc: 'A connection that has not sent the HTTP/2 connection preface within this long is closed.',
      format: 'positive-duration',
      default: 20000,
    },
    maxConnectionIdleMs: {
      doc: 'A connection with no call for this long is closed with GOAWAY (clients reconnect when needed); 0 for never.',
      format: 'duration',
      default: 300000,
    },
    maxConnectionAgeMs: {
      doc: 'A connection older than this (±10 % jitter) is closed with GOAWAY so clients rebalance; 0 for never.',
      format: 'connection-age',
      default: 0,
    },
    maxConnectionAgeGraceMs: {
      doc: 'How long calls on a connection closed for its age may still run before it is cut; 0 for as long as they need.',
      format: 'duration',
      default: 0,
    },
    keepalive: {
      timeMs: { doc: 'Ping an idle connection after this long (1 s at least, as grpc-go).', format: 'keepalive-time', default: 7200000 },
      timeoutMs: { doc: 'Close the connection if a ping is not answered in this long (1 s at least).', format: 'keepalive-timeout', default: 20000 },
      permitWithoutCalls: { doc: 'Ping connections that have no calls.', format: Boolean, default: false },
    },
    tls: {
      certFile: { doc: 'PEM certificate chain of the server; empty (with keyFile) serves plaintext.', format: String, default: '', env: 'TLS_CERT_FILE' },
      keyFile: { doc: 'PEM private key of certFile.', format: String, default: '', env: 'TLS_KEY_FILE' },
      caFile: {
        doc: 'PEM certificates that client certificates must chain to; needed by clientAuth require.',
        format: String,
        default: '',
        env: 'TLS_CA_FILE',
      },
      clientAuth: {
        doc:
          'none: no client certificate is asked for; request: one is asked for, and a call without a valid one is let in ' +
          '(only a certificate that chains to caFile gives the call an identity); require (mTLS): a client without a certificate ' +
          'signed by caFile is refused.',
        format: ['none', 'request', 'require'],
        default: 'none',
      },
      watchIntervalMs: {
        doc:
          'How often the files are checked for a change; a changed set that is valid is used by new connections (open ones ' +
          'keep theirs), an invalid one is logged and the current certificate kept. 0 never re-reads them.',
        format: 'duration',
        default: 10000,
      },
    },
  },
  log: {
    level: {
      doc: 'Log level.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      env: 'LOG_LEVEL',
    },
    access: {
      enabled: { doc: "Log one line per call at info level (msg 'call').", format: Boolean, default: false, env: 'LOG_ACCESS' },
      sampleRate: {
        doc: 'The share of successful calls logged, from 0 to 1; failed calls are always logged.',
        format: 'fraction',
        default: 1,
      },
      slowMs: { doc: 'Calls that take at least this long are always logged; 0 for off.', format: 'duration', default: 0 },
    },
  },
};
