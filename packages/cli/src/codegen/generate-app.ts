import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { GOOGLE_PROTOS_DIR, SwitchboardError } from '@switchboard/core';
import { PROTO_DIR, compileProtos, findProtos, shown } from './compile-protos';
import { withSignalCleanup } from '../signal-cleanup';
import { genTypesFlags } from './gen-types-flags';
import { SERVICES_FILE, servicesFile } from './services-file';

const GEN_TYPES = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');

/**
 * Everything `switchboard gen` generates for one app, by path relative to
 * `src/gen` (with `/`): proto-loader-gen-types' message and service types,
 * and the typed descriptors of {@link servicesFile}. Nothing is written
 * into the app: the generator runs in a temporary folder, removed after.
 */
export async function generateApp(appDir: string): Promise<Map<string, Buffer>> {
  const files = findProtos(appDir);
  const services = compileProtos(appDir, files);
  let outDir: string | undefined;
  const generator = new AbortController();
  const removeOutDir = (): void => {
    if (outDir !== undefined) fs.rmSync(outDir, { recursive: true, force: true });
  };
  // Interrupted, the generator is stopped before its folder is removed, so that it cannot write there again. The handler is
  // in place before the folder exists: a signal with no listener ends the process at once.
  return withSignalCleanup(
    () => {
      generator.abort();
      removeOutDir();
    },
    async () => {
      outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-gen-'));
      try {
        // Relative include dirs keep the generated "Original file:" comments free of this machine's paths.
        const googleDir = path.relative(appDir, GOOGLE_PROTOS_DIR).split(path.sep).join('/');
        const args = [
          GEN_TYPES,
          ...genTypesFlags(),
          '--grpcLib=@grpc/grpc-js',
          `--includeDirs=${PROTO_DIR}`,
          `--includeDirs=${googleDir}`,
          `--outDir=${outDir}`,
          ...files,
        ];
        try {
          await promisify(execFile)(process.execPath, args, { cwd: appDir, signal: generator.signal });
        } catch (cause) {
          const stderr = (cause as { stderr?: string }).stderr ?? '';
          throw new SwitchboardError('SB_ERR_PROTO', `proto-loader-gen-types failed in ${shown(appDir)}: ${stderr.trim() || (cause as Error).message}`, {
            cause,
          });
        }
        const generated = readTree(outDir);
        if (generated.has(SERVICES_FILE)) {
          throw new SwitchboardError(
            'SB_ERR_PROTO',
            `${PROTO_DIR}/${SERVICES_FILE.replace(/\.ts$/, '.proto')} in ${shown(appDir)} would overwrite src/gen/${SERVICES_FILE}: rename it`,
          );
        }
        for (const [file, content] of generated) {
          generated.set(file, Buffer.from(content.toString('utf8').replaceAll(`// Original file: ${googleDir}/`, '// Original file: ')));
        }
        generated.set(SERVICES_FILE, Buffer.from(servicesFile(services)));
        return generated;
      } finally {
        removeOutDir();
      }
    },
  );
}

/** Every file under `dir`, by path relative to it (with `/`), sorted; empty when `dir` does not exist. */
export function readTree(dir: string): Map<string, Buffer> {
  // Another gen on the same app (two terminals, a watcher) may remove a file or folder while this one reads: it is then absent.
  const files: string[] = [];
  const walk = (relative: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const file = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // A symbolic link is listed as itself, never followed: gen would otherwise remove and write files in another folder.
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(file);
    }
  };
  walk('');
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const tree = new Map<string, Buffer>();
  for (const f of files) {
    const content = readIfPresent(path.join(dir, f));
    if (content !== undefined) tree.set(f, content);
  }
  return tree;
}

/** A file's bytes; a symbolic link's are `symlink -> target`, which no generated file holds. */
function readIfPresent(file: string): Buffer | undefined {
  try {
    if (fs.lstatSync(file).isSymbolicLink()) return Buffer.from(`symlink -> ${fs.readlinkSync(file)}`);
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
