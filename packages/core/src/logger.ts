import pino from 'pino';
import type { ServerConfig } from './config/server-schema';

/** The logger every part of Switchboard writes to: pino's interface. */
export type Logger = pino.Logger;

/** Creates the process logger: JSON lines on stdout, at the configured level. */
export function createLogger(config: { readonly log: Pick<ServerConfig['log'], 'level'> }, destination?: pino.DestinationStream): Logger {
  return pino({ level: config.log.level, base: { svc: 'switchboard' } }, destination);
}
