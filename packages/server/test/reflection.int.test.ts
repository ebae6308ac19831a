import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Service, loadProto, serviceDescriptor } from '@switchboard/core';
import { assertPeerAvailable, createEchoService, PEER_PYTHON } from '@switchboard/test-support';
import { SwitchboardServer } from '../src/switchboard-server';
import { memoryLogger, testServerConfig } from './harness';

const REFLECT_SCRIPT = path.join(__dirname, '../../../testing/peer/reflect.py');

const Lookup = serviceDescriptor(loadProto(path.join(__dirname, 'reflection.fixture.proto')), 'switchboard.reflect.Lookup');

@Service(Lookup)
class LookupService {
  async Find(): Promise<object> {
    return { id: 'x' };
  }
}

type Walk =
  | { ok: true; services: string[]; files: string[]; methods: Record<string, { file: string; methods: [string, string, string][] }> }
  | { ok: false; error: string };

/** Runs testing/peer/reflect.py (python3-grpcio, a strict DescriptorPool) against the port. */
function reflect(port: number): Promise<Record<'v1' | 'v1alpha', Walk>> {
  assertPeerAvailable();
  return new Promise((resolve, reject) => {
    execFile(PEER_PYTHON, [REFLECT_SCRIPT, '--target', `127.0.0.1:${port}`], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`reflect.py failed: ${error.message}\n${stderr}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      resolve((JSON.parse(last) as { result: Record<'v1' | 'v1alpha', Walk> }).result);
    });
  });
}

describe('server reflection, walked the way grpcurl walks it', () => {
  let server: SwitchboardServer | undefined;
  afterEach(async () => {
    await server?.shutdown(0);
    server = undefined;
  });

  async function start(config: { reflection?: boolean; health?: boolean } = {}): Promise<number> {
    server = new SwitchboardServer({ config: testServerConfig(config), logger: memoryLogger().logger });
    server.addService(new LookupService());
    server.addService(new (createEchoService({ aborts: [], produced: 0 }))());
    return server.listen();
  }

  it('loads every service, health and reflection included, into a strict descriptor pool under the real file names', async () => {
    const report = await reflect(await start());
    for (const version of ['v1', 'v1alpha'] as const) {
      const walk = report[version];
      if (!walk.ok) throw new Error(`${version}: ${walk.error}`);
      expect([...walk.services].sort()).toEqual([
        'grpc.health.v1.Health',
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
        'switchboard.reflect.Lookup',
        'switchboard.test.Echo',
      ]);
      expect(walk.methods['switchboard.reflect.Lookup']).toEqual({
        file: 'reflection.fixture.proto',
        methods: [['Find', 'google.protobuf.StringValue', 'switchboard.reflect.Item']],
      });
      expect(walk.methods['switchboard.test.Echo']?.file).toBe('echo.proto');
      expect(walk.methods['switchboard.test.Echo']?.methods).toContainEqual(['Bidi', 'switchboard.test.EchoRequest', 'switchboard.test.EchoReply']);
      expect(walk.methods['grpc.health.v1.Health']).toEqual({
        file: 'health/v1/health.proto',
        methods: [
          ['Check', 'grpc.health.v1.HealthCheckRequest', 'grpc.health.v1.HealthCheckResponse'],
          ['Watch', 'grpc.health.v1.HealthCheckRequest', 'grpc.health.v1.HealthCheckResponse'],
          ['List', 'grpc.health.v1.HealthListRequest', 'grpc.health.v1.HealthListResponse'],
        ],
      });
      expect(walk.methods['grpc.reflection.v1.ServerReflection']?.file).toBe('grpc/reflection/v1/reflection.proto');
      expect(walk.methods['grpc.reflection.v1alpha.ServerReflection']?.methods).toEqual([
        ['ServerReflectionInfo', 'grpc.reflection.v1alpha.ServerReflectionRequest', 'grpc.reflection.v1alpha.ServerReflectionResponse'],
      ]);
      // wrappers.proto came by file_by_filename, before the file that imports it.
      expect(walk.files.indexOf('google/protobuf/wrappers.proto')).toBeGreaterThanOrEqual(0);
      expect(walk.files.indexOf('google/protobuf/wrappers.proto')).toBeLessThan(walk.files.indexOf('reflection.fixture.proto'));
    }
  });

  it('leaves health out when it is off, and serves no reflection when reflection is off', async () => {
    const withoutHealth = await reflect(await start({ health: false }));
    expect(withoutHealth.v1.ok && withoutHealth.v1.services).not.toContain('grpc.health.v1.Health');
    expect(withoutHealth.v1.ok && withoutHealth.v1.services).toContain('switchboard.reflect.Lookup');
    await server?.shutdown(0);
    const withoutReflection = await reflect(await start({ reflection: false }));
    expect(withoutReflection.v1).toMatchObject({ ok: false, error: expect.stringContaining('UNIMPLEMENTED') as unknown });
    expect(withoutReflection.v1alpha).toMatchObject({ ok: false, error: expect.stringContaining('UNIMPLEMENTED') as unknown });
  });
});
