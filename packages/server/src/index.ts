export { startServer, runMain } from './start-server';
export type { StartOptions, RunningServer } from './start-server';
export { SwitchboardServer } from './switchboard-server';
export type { SwitchboardServerOptions } from './switchboard-server';
