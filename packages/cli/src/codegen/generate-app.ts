import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { GOOGLE_PROTOS_DIR, SwitchboardError } from '@switchboard/core';
import { PROTO_DIR, compileProtos, findProtos, shown } from './compile-protos';
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
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-gen-'));
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
      await promisify(execFile)(process.execPath, args, { cwd: appDir });
    } catch (cause) {
      const stderr = (cause as { stderr?: string }).stderr ?? '';
      throw new SwitchboardError('SB_ERR_PROTO', `proto-loader-gen-types failed in ${shown(appDir)}: ${stderr.trim() || (cause as Error).message}`, { cause });
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
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** Every file under `dir`, by path relative to it (with `/`), sorted; empty when `dir` does not exist. */
export function readTree(dir: string): Map<string, Buffer> {
  if (!fs.existsSync(dir)) return new Map();
  const files = fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}
