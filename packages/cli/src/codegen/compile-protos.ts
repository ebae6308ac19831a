import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { GOOGLE_PROTOS_DIR, SwitchboardError, loadProto } from '@switchboard/core';

/** One service a proto file declares. */
export interface ProtoService {
  /** `helloworld.Greeter` */
  readonly fullName: string;
  /** `Greeter` */
  readonly name: string;
  /** The declaring file, relative to the app's `proto/` folder, with `/`: `helloworld.proto`. */
  readonly file: string;
}

/** Where an app's .proto files live, and the include root of their imports. */
export const PROTO_DIR = 'proto';

/**
 * Every `proto/**\/*.proto` of an app, relative to `proto/` with `/`, sorted
 * by code unit so the order (and what is generated from it) is the same on
 * every machine.
 */
export function findProtos(appDir: string): string[] {
  const dir = path.join(appDir, PROTO_DIR);
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.proto') && fs.statSync(path.join(dir, f)).isFile())
        .map((f) => f.split(path.sep).join('/'))
    : [];
  if (files.length === 0) throw new SwitchboardError('SB_ERR_PROTO', `no .proto files under ${shown(dir)} (switchboard gen reads proto/**/*.proto)`);
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Compiles an app's protos as `loadProto` will at run time and lists the
 * services each declares. A file that does not compile is an error naming
 * it and, where it can be found, the line: `proto/x.proto:12: illegal token '}'`.
 */
export function compileProtos(appDir: string, files: readonly string[]): ProtoService[] {
  const protoDir = path.resolve(appDir, PROTO_DIR);
  const includeDirs = [protoDir, GOOGLE_PROTOS_DIR];
  const sources = new Map(files.map((f) => [f, readUtf8(protoDir, f)]));
  for (const [file, source] of sources) checkFile(protoDir, file, source, includeDirs);

  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => resolveImport(target, includeDirs) ?? target;
  let loadError: Error | undefined;
  try {
    root.loadSync(
      files.map((f) => path.join(protoDir, f)),
      { keepCase: true, alternateCommentMode: true },
    );
  } catch (cause) {
    // The files are parsed by now; resolving each field and method below finds the culprit and its line.
    loadError = cause as Error;
    const duplicate = /^duplicate name '([^']+)'/.exec(loadError.message)?.[1];
    if (duplicate !== undefined) throw duplicateAcrossFiles(protoDir, sources, duplicate, loadError);
  }
  const services: ProtoService[] = [];
  const fileOf = (object: protobuf.ReflectionObject): string | undefined => {
    let top = object;
    while (top.parent !== null && top.filename === null) top = top.parent;
    const filename = top.filename;
    return filename !== null && filename.startsWith(protoDir + path.sep)
      ? filename
          .slice(protoDir.length + 1)
          .split(path.sep)
          .join('/')
      : undefined;
  };
  const fail = (object: protobuf.ReflectionObject, pattern: RegExp, cause: Error): never => {
    const file = fileOf(object);
    const source = file === undefined ? undefined : sources.get(file);
    const line = source === undefined ? undefined : lineOf(source, pattern);
    const where = file === undefined ? shown(protoDir) : `${shown(path.join(protoDir, file))}${line === undefined ? '' : `:${line}`}`;
    const named = object.parent !== null && cause.message.includes(object.parent.fullName);
    throw new SwitchboardError('SB_ERR_PROTO', `${where}: ${cause.message}${named ? '' : ` (in ${object.fullName.slice(1)})`}`, { cause });
  };
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) {
        for (const field of nested.fieldsArray) {
          try {
            field.resolve();
          } catch (cause) {
            fail(field, new RegExp(`\\b${escape(field.name)}\\s*=\\s*${field.id}\\b`), cause as Error);
          }
        }
      } else if (nested instanceof protobuf.Service) {
        const byLowerCase = new Map<string, string>();
        for (const method of nested.methodsArray) {
          const other = byLowerCase.get(method.name.toLowerCase());
          if (other !== undefined) {
            const cause = new Error(
              `rpc ${method.name} and rpc ${other} of ${nested.fullName.slice(1)} differ only by case: grpc-js clients also call ${other} ` +
                `by its lower-camel name, and Go and C# generate one name for both; rename one`,
            );
            fail(method, new RegExp(`\\brpc\\s+${escape(method.name)}\\b`), cause);
          }
          byLowerCase.set(method.name.toLowerCase(), method.name);
        }
        for (const method of nested.methodsArray) {
          try {
            method.resolve();
          } catch (cause) {
            fail(method, new RegExp(`\\brpc\\s+${escape(method.name)}\\b`), cause as Error);
          }
        }
        const file = fileOf(nested);
        if (file !== undefined) services.push({ fullName: nested.fullName.slice(1), name: nested.name, file });
      }
      if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  visit(root);
  if (loadError !== undefined) throw new SwitchboardError('SB_ERR_PROTO', `${shown(protoDir)}: ${loadError.message}`, { cause: loadError });
  // What the generated descriptors will run: the same loader, once per file that declares a service.
  for (const file of new Set(services.map((s) => s.file))) {
    try {
      loadProto(path.join(protoDir, file), { includeDirs: [protoDir] });
    } catch (cause) {
      throw new SwitchboardError('SB_ERR_PROTO', `${shown(path.join(protoDir, file))}: ${(cause as Error).message}`, { cause });
    }
  }
  return services.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
}

/** Parses one file on its own, so a syntax error or a missing import names it and its line. */
function checkFile(protoDir: string, file: string, source: string, includeDirs: readonly string[]): void {
  const where = shown(path.join(protoDir, file));
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(source, new protobuf.Root(), { keepCase: true, alternateCommentMode: true });
  } catch (cause) {
    const message = (cause as Error).message;
    const duplicate = /^duplicate name '([^']+)'/.exec(message)?.[1];
    // protobufjs gives a duplicate no line: the second declaration of the name is the one refused.
    const line = /\(line (\d+)\)$/.exec(message)?.[1] ?? (duplicate === undefined ? undefined : secondDeclaration(source, duplicate));
    throw new SwitchboardError('SB_ERR_PROTO', `${where}${line === undefined ? '' : `:${line}`}: ${message.replace(/ \(line \d+\)$/, '')}`, { cause });
  }
  for (const name of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    const line = lineOf(source, new RegExp(`\\bimport\\b[^;]*["']${escape(name)}["']`));
    if (isBundled(name)) continue;
    // Imports name files under the include root, as protoc's do: an absolute path or one that climbs out of proto/ would read
    // (and, through --client, copy) files that are no part of the app's contract.
    const normalized = path.posix.normalize(name.replaceAll('\\', '/'));
    if (path.isAbsolute(name) || path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
      throw new SwitchboardError(
        'SB_ERR_PROTO',
        `${where}${line === undefined ? '' : `:${line}`}: import "${name}" is outside ${PROTO_DIR}/: an import is a path under ${PROTO_DIR}/ ` +
          `(its include root), such as "orders/common.proto", or one of the bundled google/ protos`,
      );
    }
    if (resolveImport(name, includeDirs) !== undefined) continue;
    throw new SwitchboardError(
      'SB_ERR_PROTO',
      `${where}${line === undefined ? '' : `:${line}`}: import "${name}" not found (looked in ${includeDirs.map(shown).join(', ')})`,
    );
  }
}

/** A proto file's text; bytes that are not UTF-8 (a Latin-1 or UTF-16 file) are an error naming the file and the first such line. */
function readUtf8(protoDir: string, file: string): string {
  const bytes = fs.readFileSync(path.join(protoDir, file));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let line = 1;
    for (let start = 0; start < bytes.length; line++) {
      const end = bytes.indexOf(0x0a, start) === -1 ? bytes.length : bytes.indexOf(0x0a, start);
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        break;
      }
      start = end + 1;
    }
    throw new SwitchboardError(
      'SB_ERR_PROTO',
      `${shown(path.join(protoDir, file))}:${line}: not UTF-8 text (protoc reads .proto files as UTF-8): save the file as UTF-8`,
    );
  }
}

/** A name declared by two files of one package (protobufjs names neither): every declaration, by file and line. */
function duplicateAcrossFiles(protoDir: string, sources: ReadonlyMap<string, string>, name: string, cause: Error): SwitchboardError {
  const pattern = new RegExp(`\\b(?:message|enum|service)\\s+${escape(name)}\\b`);
  const places = [...sources]
    .map(([file, source]) => ({ file, line: lineOf(source, pattern) }))
    .filter((p) => p.line !== undefined)
    .map((p) => `${shown(path.join(protoDir, p.file))}:${p.line}`);
  return new SwitchboardError('SB_ERR_PROTO', `${cause.message}: declared in ${places.join(' and ')}; rename one, or give the files different packages`, {
    cause,
  });
}

function isBundled(name: string): boolean {
  const at = name.lastIndexOf('google/protobuf/');
  return at > -1 && Object.hasOwn(protobuf.common, name.slice(at));
}

function resolveImport(target: string, includeDirs: readonly string[]): string | undefined {
  if (path.isAbsolute(target)) return target;
  return includeDirs.map((d) => path.join(d, target)).find((f) => fs.existsSync(f));
}

/** The line of the second `message|enum|service|rpc <name>` in the source, as a string. */
function secondDeclaration(source: string, name: string): string | undefined {
  const pattern = new RegExp(`\\b(?:message|enum|service|rpc)\\s+${escape(name)}\\b`, 'g');
  const second = [...source.matchAll(pattern)][1];
  return second === undefined ? undefined : String(source.slice(0, second.index).split('\n').length);
}

/** The 1-based line of the first match of `pattern`, comments included. */
function lineOf(source: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(source);
  return match === null ? undefined : source.slice(0, match.index).split('\n').length;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A path as the user can click it: relative to the working directory when inside it. */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
