import { UsageError } from '../command';

/** The names one app name gives its proto, classes, config key and package. */
export interface AppNames {
  /** `stock-room`: the folder, `apps/stock-room`. */
  readonly name: string;
  /** `StockRoom`: the proto service and the class prefix. */
  readonly pascal: string;
  /** `stockRoom`: the config key and the variables. */
  readonly camel: string;
  /** `stock_room`: the proto package. */
  readonly snake: string;
  /** `STOCK_ROOM`: the prefix of the config's environment variables. */
  readonly constant: string;
  /** `@switchboard/app-stock-room` */
  readonly packageName: string;
}

/** An app name: a lowercase DNS label that starts with a letter (RFC 1123), so it is also a package, folder and host name. */
const NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Names that would take what another part of the protos already owns:
 * `google` and `grpc` are the packages of the well-known types, health and
 * reflection, which every server loads beside the app's protos.
 */
const RESERVED_PACKAGES = ['google', 'grpc'];

/**
 * The names an app named `name` gets. `reservedKeys` are the config's
 * top-level keys that belong to the server and its clients: an app whose
 * config key is one of them could not be started beside them.
 */
export function appNames(name: string, reservedKeys: readonly string[]): AppNames {
  if (!NAME.test(name) || name.includes('--')) {
    throw new UsageError(
      `invalid app name '${name}': use a lowercase DNS label (a-z, 0-9 and single '-', starting with a letter, at most 63 characters), e.g. inventory or stock-room`,
    );
  }
  const words = name.split('-');
  const pascal = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const camel = pascal.charAt(0).toLowerCase() + pascal.slice(1);
  const snake = words.join('_');
  if (RESERVED_PACKAGES.includes(words[0] ?? '')) {
    throw new UsageError(`invalid app name '${name}': its proto package ${snake} would sit in ${words[0]}.*, reserved for gRPC's own protos`);
  }
  if (reservedKeys.includes(camel)) {
    throw new UsageError(`invalid app name '${name}': its config key '${camel}' is taken by the server's own config (taken: ${reservedKeys.join(', ')})`);
  }
  return { name, pascal, camel, snake, constant: snake.toUpperCase(), packageName: `@switchboard/app-${name}` };
}
