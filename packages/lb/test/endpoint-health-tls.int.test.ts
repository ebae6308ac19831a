import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { POLICY_NAMES, installLb } from '../src/index';
import { healthBackends, labClient, spread, warm, type HealthBackend } from './backends';
import { makeCertificates, type TestCertificates } from '@switchboard/test-support';

installLb();

describe('health checks of backends that require mTLS', () => {
  let certs: TestCertificates;
  let servers: HealthBackend[] = [];
  let lab: ReturnType<typeof labClient> | undefined;
  beforeAll(() => {
    certs = makeCertificates();
  });
  afterAll(() => certs.remove());
  afterEach(async () => {
    lab?.close();
    for (const s of servers) await s.stop();
  });

  it("travel on the client's own TLS connection: Watch streams open and a NOT_SERVING backend is left out", async () => {
    const ca = fs.readFileSync(certs.caCert);
    const serverCredentials = grpc.ServerCredentials.createSsl(
      ca,
      [{ cert_chain: fs.readFileSync(certs.serverCert), private_key: fs.readFileSync(certs.serverKey) }],
      true,
    );
    servers = await healthBackends(2, { credentials: serverCredentials });
    const [h0, h1] = servers as [HealthBackend, HealthBackend];
    lab = labClient(`static:///${h0.address},${h1.address}`, POLICY_NAMES.least_request, {
      lbConfig: { healthCheck: { serviceName: '' } },
      credentials: grpc.credentials.createSsl(ca, fs.readFileSync(certs.clientKey), fs.readFileSync(certs.clientCert)),
    });
    await warm(lab.whoAnswers, ['h0', 'h1']);
    expect([h0.watchers, h1.watchers]).toEqual([1, 1]);
    h1.setServing(false);
    const deadline = Date.now() + 2000;
    while ((await lab.whoAnswers()) === 'h1') if (Date.now() > deadline) throw new Error('h1 still answers after NOT_SERVING');
    expect(await spread(lab.whoAnswers, 20)).toEqual({ h0: 20 });
  });
});
