import { grpcFrame, rawExchange, type RawResponse } from '@switchboard/test-support';
import { serveOrdersAndGreeter, type ServeProcess } from './serve-process';

/** A protobuf string field 1 (`StringValue.value`, `Order.id`). */
const field1 = (value: string): Buffer => Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(value)]), Buffer.from(value)]);
const ORDERS = '/ecommerce.OrderManagement/';
const OK = 0;
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;
const INTERNAL = 13;

/** One raw call with the given `grpc-timeout` (none when undefined), its request frames concatenated. */
function call(port: number, method: string, frames: Buffer[], timeout?: string): Promise<RawResponse> {
  return rawExchange(port, ORDERS + method, Buffer.concat(frames), timeout === undefined ? {} : { 'grpc-timeout': timeout });
}

describe('a server given deadlines a careless or hostile client sends', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await serveOrdersAndGreeter();
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
  /** The process still runs and answers: an unknown order is NOT_FOUND. */
  async function stillServes(): Promise<void> {
    expect(server.alive()).toBe(true);
    expect((await call(server.port, 'getOrder', [grpcFrame(field1('nope'))])).status).toBe(NOT_FOUND);
  }

  const spent: [string, Buffer[]][] = [
    ['addOrder', [grpcFrame(field1('1'))]],
    ['getOrder', [grpcFrame(field1('missing'))]],
    ['searchOrders', [grpcFrame(field1('x'))]],
    ['updateOrders', [grpcFrame(field1('a')), grpcFrame(field1('b'))]],
    ['processOrders', [grpcFrame(field1('a'))]],
  ];
  it('answers a malformed grpc-timeout with INTERNAL, and lives', async () => {
    for (const timeout of ['abc', '1x', '123456789S', '-1S']) {
      expect((await call(server.port, 'getOrder', [grpcFrame(field1('missing'))], timeout)).status).toBe(INTERNAL);
    }
    await stillServes();
  });

  it.each(spent)('answers %s with a deadline already spent (grpc-timeout 1n) with DEADLINE_EXCEEDED, and lives', async (method, frames) => {
    for (const timeout of ['1n', '0m', '1u']) {
      expect((await call(server.port, method, frames, timeout)).status).toBe(DEADLINE_EXCEEDED);
    }
    await stillServes();
  });

  it('answers a hundred spent deadlines at once on every kind and lives', async () => {
    const all = await Promise.all(Array.from({ length: 100 }, (_, i) => spent[i % spent.length]!).map(([m, f]) => call(server.port, m, f, '1n')));
    expect(new Set(all.map((r) => r.status))).toEqual(new Set([DEADLINE_EXCEEDED]));
    await stillServes();
  });

  // 25-49 days arrived negative in grpc-js (32-bit truncation), 50+ days wrapped to a short deadline.
  it.each(['720H', '1000H', '1440H', '99999999H', '99999999S'])('reads a deadline of %s as far away: the calls run to their end', async (timeout) => {
    expect((await call(server.port, 'getOrder', [grpcFrame(field1('missing'))], timeout)).status).toBe(NOT_FOUND);
    const upload = await call(server.port, 'updateOrders', [grpcFrame(field1('a')), grpcFrame(field1('b'))], timeout);
    expect([upload.status, upload.body.subarray(5)]).toEqual([OK, field1('Orders processed a, b')]);
    await stillServes();
  });
});
