import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { makeCertificates, runGoPeerClient, type TestCertificates } from '@switchboard/test-support';
import { greeterModule } from '@switchboard/app-greeter';
import { ordersModule } from '../src/index';

/** orders and greeter on one TLS port; `clientAuth` as given. */
function serve(certs: TestCertificates, clientAuth: 'none' | 'require'): Promise<RunningServer> {
  const tls = { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: clientAuth === 'none' ? '' : certs.caCert, clientAuth };
  return startServer({
    modules: [ordersModule, greeterModule],
    config: { argv: [], env: {}, configDir: null, values: { tree: { server: { port: 0, tls } }, origin: 'the test' } },
    logger: pino({ level: 'silent' }),
  });
}

describe('the book’s client written with grpc-go, over TLS', () => {
  let certs: TestCertificates;
  const servers: RunningServer[] = [];
  beforeAll(() => {
    certs = makeCertificates();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.shutdown(0)));
    certs?.remove();
  });

  it('runs every step against a TLS server, verified against the CA', async () => {
    const server = await serve(certs, 'none');
    servers.push(server);
    const steps = await runGoPeerClient(`127.0.0.1:${server.port}`, undefined, 30_000, { caFile: certs.caCert });
    expect(steps.get('addOrder')).toMatchObject({ code: 'OK', reply: 'Order Added: 101' });
    expect(steps.get('getOrder')).toMatchObject({ code: 'OK', id: '106' });
    expect(steps.get('sayHello')).toMatchObject({ code: 'OK' });
  }, 60_000);

  it('with mTLS, is refused without a client certificate and served with one', async () => {
    const server = await serve(certs, 'require');
    servers.push(server);
    const bare = await runGoPeerClient(`127.0.0.1:${server.port}`, undefined, 30_000, { caFile: certs.caCert });
    expect(bare.get('addOrder')).toMatchObject({ code: 'Unavailable' });
    const withCert = await runGoPeerClient(`127.0.0.1:${server.port}`, undefined, 30_000, {
      caFile: certs.caCert,
      certFile: certs.clientCert,
      keyFile: certs.clientKey,
    });
    expect(withCert.get('addOrder')).toMatchObject({ code: 'OK', reply: 'Order Added: 101' });
  }, 60_000);
});
