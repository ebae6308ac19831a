import { grpcFrame, rawCall } from '@switchboard/test-support';
import { serveOrdersAndGreeter, type ServeProcess } from './serve-process';

/** ecommerce.Order { id: "7" } */
const ORDER = grpcFrame(Buffer.from([0x0a, 0x01, 0x37]));

const serve = (delayMs: number): Promise<ServeProcess> => serveOrdersAndGreeter({ ORDERS_ADD_ORDER_DELAY_MS: String(delayMs) });

/** Starts addOrder and resolves once the server has the whole request (a PING sent after it is answered). */
async function addOrderInFlight(port: number) {
  const call = rawCall(port, '/ecommerce.OrderManagement/addOrder', ORDER);
  const session = call.stream.session!;
  if (session.connecting) await new Promise((resolve) => session.once('connect', resolve));
  await new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
  return call;
}

describe('signals to a running server', () => {
  it('lets a call in flight finish on SIGTERM and exits 0', async () => {
    const s = await serve(1000);
    const call = await addOrderInFlight(s.port);
    s.child.kill('SIGTERM');
    const response = await call.response;
    call.close();
    expect(response.status).toBe(0);
    expect(await s.exited).toBe(0);
    expect(s.out()).toContain('"inFlight":1');
  });

  it('ends calls in flight with UNAVAILABLE on a second signal, logs it and exits non-zero', async () => {
    const s = await serve(60000);
    const call = await addOrderInFlight(s.port);
    s.child.kill('SIGTERM');
    await new Promise<void>((resolve) => s.child.stdout!.on('data', () => s.out().includes('shutting down') && resolve()));
    s.child.kill('SIGINT');
    const response = await call.response;
    call.close();
    expect(response.status).toBe(14); // UNAVAILABLE
    expect(response.message).toBe('the server is shutting down');
    expect(await s.exited).toBe(1);
    expect(s.out()).toContain('second signal: stopping now');
  });
});
