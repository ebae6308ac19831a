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
 * What the generated files import beside the app's own names (`Service`,
 * `Code` and `RpcError` from core, `Client` from client, `TestServer` from
 * testing): an app whose service, `<Name>`, took one would not compile.
 */
export const TEMPLATE_IMPORTS = ['Client', 'Code', 'RpcError', 'Service', 'TestServer'];

/** Device names Windows refuses as a file or folder name, whatever the extension: the repository could not be cloned there. */
const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

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
  if (WINDOWS_DEVICES.test(name)) {
    throw new UsageError(`invalid app name '${name}': Windows reserves it as a device name, so apps/${name} could not be checked out there`);
  }
  if (TEMPLATE_IMPORTS.includes(pascal)) {
    throw new UsageError(
      `invalid app name '${name}': its service ${pascal} would clash with the ${pascal} the generated code imports (taken: ${TEMPLATE_IMPORTS.join(', ')})`,
    );
  }
  if (snake === 'services') {
    throw new UsageError(`invalid app name '${name}': gen would write proto/services.proto's types over src/gen/services.ts, the file of service descriptors`);
  }
  if (reservedKeys.includes(camel)) {
    throw new UsageError(`invalid app name '${name}': its config key '${camel}' is taken by the server's own config (taken: ${reservedKeys.join(', ')})`);
  }
  return { name, pascal, camel, snake, constant: snake.toUpperCase(), packageName: `@switchboard/app-${name}` };
}

/**
 * Why the service of a `--client` cannot sit beside the new app's own names
 * in the generated files, or undefined when it can: it would be imported
 * where the same name is declared or imported already.
 */
export function clientNameClash(names: AppNames, serviceName: string): string | undefined {
  // The same name as the new service (`shop --client stock:Shop`) is gen's to refuse: both would be exported from services.ts.
  const own = [`${names.pascal}Service`, `${names.pascal}Config`, `${names.pascal}ConfigToken`];
  if (own.includes(serviceName)) return `its service ${serviceName} would clash with the new app's own ${serviceName}: choose another app name`;
  if (TEMPLATE_IMPORTS.includes(serviceName)) return `its service ${serviceName} would clash with the ${serviceName} the generated code imports`;
  return undefined;
}
