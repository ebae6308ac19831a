import * as path from 'node:path';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { loadProto } from '@switchboard/core';

const HEALTH_DIR = path.join(path.dirname(require.resolve('grpc-health-check/package.json')), 'proto');
const REFLECTION_DIR = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');

/**
 * Server reflection (v1 and v1alpha) describing the served protos, and health
 * and reflection themselves, file by file under their real names with their
 * dependencies, so clients that resolve imports by file name (grpcurl,
 * Postman) can load every service.
 * @internal
 */
export function createReflection(protos: readonly PackageDefinition[], options: { health: boolean }): ReflectionService {
  const own = [
    ...(options.health ? [{ dir: HEALTH_DIR, file: 'health/v1/health.proto' }] : []),
    { dir: REFLECTION_DIR, file: 'grpc/reflection/v1/reflection.proto' },
    { dir: REFLECTION_DIR, file: 'grpc/reflection/v1alpha/reflection.proto' },
  ].map(({ dir, file }) => loadProto(path.join(dir, file), { includeDirs: [dir] }).definition);
  return new ReflectionService(Object.assign({}, ...protos, ...own) as PackageDefinition);
}
