import type { ServerConfig } from './config/server-schema';
import type { Logger } from './logger';
import { createToken } from './token';

/** The validated `server` and `log` configuration. Apps bind their own keys under their own tokens. */
export const ServerConfigToken = createToken<Readonly<ServerConfig>>('core/ServerConfig');

/** The process logger. */
export const LoggerToken = createToken<Logger>('core/Logger');
