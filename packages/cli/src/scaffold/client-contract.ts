import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { GOOGLE_PROTOS_DIR } from '@switchboard/core';
import { UsageError } from '../command';
import { PROTO_DIR, compileProtos, findProtos, type ProtoService } from '../codegen/compile-protos';

/** What a new app needs to call another app's service without importing it. */
export interface ClientContract {
  /** The other app's folder name, and the client's name in config (`clients.greeter`). */
  readonly app: string;
  readonly service: ProtoService;
  /** The proto files declaring the service and what they import, by path relative to `proto/`: copied into the new app. */
  readonly protos: ReadonlyMap<string, string>;
  /** The unary rpc the new service calls, and the string fields it fills and reads; absent when the service has none. */
  readonly call?: {
    readonly method: string;
    readonly requestField?: string;
    readonly replyField?: string;
    /**
     * When the service has this one rpc and its reply only single strings: those
     * fields, so that a test can write a fake of the whole client in a line.
     */
    readonly fakeReply?: readonly string[];
  };
}

/**
 * The contract of `--client <app>` or `--client <app>:<Service>`: the service
 * `apps/<app>` declares in its protos. An unknown app, an app without a
 * service or an ambiguous one is a usage error listing what exists.
 */
export function clientContract(root: string, spec: string): ClientContract {
  const parts = spec.split(':');
  const [app = '', wanted] = parts;
  if (parts.length > 2 || app === '' || wanted === '') {
    throw new UsageError(`--client '${spec}' is not <app> or <app>:<Service> (e.g. --client greeter or --client orders:OrderManagement)`);
  }
  const appDir = path.join(root, 'apps', app);
  const services = /^[a-z][a-z0-9-]*$/.test(app) ? declaredServices(appDir) : [];
  if (services.length === 0) {
    const problem = /^[a-z][a-z0-9-]*$/.test(app) && fs.existsSync(path.join(appDir, PROTO_DIR)) ? compileProblem(appDir) : undefined;
    // An app whose protos do not compile (an import out of proto/, say) is named as such, not as unknown.
    if (problem !== undefined) throw new Error(`--client ${app}: the protos of apps/${app} do not compile, so its contract cannot be copied: ${problem}`);
    const known = appsWithServices(root);
    throw new UsageError(`unknown --client '${spec}': no apps/${app} with a proto service (apps with one: ${known.join(', ') || 'none'})`);
  }
  const names = services.map((s) => s.fullName).join(', ');
  const service = wanted === undefined ? (services.length === 1 ? services[0] : undefined) : services.find((s) => s.name === wanted || s.fullName === wanted);
  if (service === undefined) {
    const example = `--client ${app}:${services[0]!.name}`;
    throw new UsageError(
      wanted === undefined
        ? `--client ${app}: apps/${app} declares ${services.length} services (${names}); name one, e.g. ${example}`
        : `--client ${spec}: apps/${app} declares no service ${wanted} (services: ${names})`,
    );
  }
  const protoDir = path.join(appDir, PROTO_DIR);
  const protos = withImports(protoDir, service.file);
  return { app, service, protos, call: unaryCall(protoDir, [...protos.keys()], service.fullName) };
}

/** The apps under `root/apps` whose protos declare a service, for messages. */
export function appsWithServices(root: string): string[] {
  const appsDir = path.join(root, 'apps');
  if (!fs.existsSync(appsDir)) return [];
  return fs
    .readdirSync(appsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && declaredServices(path.join(appsDir, d.name)).length > 0)
    .map((d) => d.name)
    .sort();
}

function declaredServices(appDir: string): ProtoService[] {
  try {
    return compileProtos(appDir, findProtos(appDir));
  } catch {
    return [];
  }
}

/** Why an app's protos do not compile, or undefined when they do. */
function compileProblem(appDir: string): string | undefined {
  try {
    compileProtos(appDir, findProtos(appDir));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** `file` and every file of `protoDir` it imports, directly or not; the bundled google/* ones resolve anywhere and are left out. */
function withImports(protoDir: string, file: string, found = new Map<string, string>()): Map<string, string> {
  if (found.has(file)) return found;
  const source = fs.readFileSync(path.join(protoDir, file), 'utf8');
  found.set(file, source);
  const parsed = protobuf.parse(source, new protobuf.Root(), { keepCase: true });
  for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    if (fs.existsSync(path.join(protoDir, imported))) withImports(protoDir, imported, found);
  }
  return found;
}

/** The service's first unary rpc, its request's first string field and its reply's. */
function unaryCall(protoDir: string, files: readonly string[], fullName: string): ClientContract['call'] {
  const root = new protobuf.Root();
  const includeDirs = [protoDir, GOOGLE_PROTOS_DIR];
  root.resolvePath = (_origin, target) => includeDirs.map((d) => path.join(d, target)).find((f) => fs.existsSync(f)) ?? target;
  root.loadSync(
    files.map((f) => path.join(protoDir, f)),
    { keepCase: true },
  );
  root.resolveAll();
  const methods = root.lookupService(fullName).methodsArray;
  const method = methods.find((m) => m.requestStream !== true && m.responseStream !== true);
  if (method === undefined) return undefined;
  const isString = (f: protobuf.Field): boolean => f.type === 'string' && !f.repeated && !(f instanceof protobuf.MapField);
  const stringField = (type: protobuf.Type | null): string | undefined => type?.fieldsArray.find(isString)?.name;
  const reply = method.resolvedResponseType?.fieldsArray ?? [];
  const fakeable = methods.length === 1 && reply.length > 0 && reply.every(isString);
  return {
    method: method.name,
    requestField: stringField(method.resolvedRequestType),
    replyField: stringField(method.resolvedResponseType),
    fakeReply: fakeable ? reply.map((f) => f.name) : undefined,
  };
}
