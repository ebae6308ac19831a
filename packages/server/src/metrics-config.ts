import type { Schema } from 'convict';

/** The `metrics` keys of a server: where Prometheus scrapes it, if at all. */
export interface MetricsConfig {
  metrics: { enabled: boolean; host: string; port: number };
}

/** The convict schema of {@link MetricsConfig}; off by default, and on 127.0.0.1:9464 when on. */
export const metricsConfigSchema: Schema<MetricsConfig> = {
  metrics: {
    enabled: {
      doc: 'Serve Prometheus metrics (go-grpc-prometheus names) at GET /metrics.',
      format: Boolean,
      default: false,
      env: 'METRICS_ENABLED',
    },
    host: { doc: 'Address the metrics endpoint listens on.', format: 'host', default: '127.0.0.1', env: 'METRICS_HOST' },
    port: { doc: 'Port of the metrics endpoint; 0 picks a free one.', format: 'port', default: 9464, env: 'METRICS_PORT' },
  },
};
