import type { AppNames } from './app-names';
import type { ClientContract } from './client-contract';

/** Everything `switchboard new` decided before it writes a file. */
export interface AppPlan {
  readonly names: AppNames;
  /** Whether the service has a server-streaming rpc too (`--stream`). */
  readonly stream: boolean;
  /** One per `--client`, in the order given. */
  readonly clients: readonly ClientContract[];
  /** Exact versions of the repository's packages and of what they depend on. */
  readonly versions: ReadonlyMap<string, string>;
}

/** The rpc and message names of the new service, e.g. for `inventory`: GetInventory, ListInventoryItems. */
export function rpcNames({ pascal }: AppNames) {
  return {
    get: `Get${pascal}`,
    getRequest: `Get${pascal}Request`,
    getResponse: `Get${pascal}Response`,
    list: `List${pascal}Items`,
    listRequest: `List${pascal}ItemsRequest`,
    item: `${pascal}Item`,
  };
}

/** `stock-room` -> `stockRoom`, for variables named after another app. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
