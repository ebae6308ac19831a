export { startServer, runMain, loadServerConfig } from './start-server';
export type { StartOptions, RunningServer } from './start-server';
export { SwitchboardServer } from './switchboard-server';
export type { SwitchboardServerOptions } from './switchboard-server';
export { createServerMetrics } from './server-metrics';
export type { ServerMetrics } from './server-metrics';
export { metricsConfigSchema } from './metrics-config';
export type { MetricsConfig } from './metrics-config';
export { accessLogInterceptor } from './access-log';
