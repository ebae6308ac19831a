import * as zlib from 'node:zlib';
import { grpcFrame, rawExchange } from '@switchboard/test-support';
import { serveOrdersAndGreeter, type ServeProcess } from './serve-process';

const GET_ORDER = '/ecommerce.OrderManagement/getOrder';
/** google.protobuf.StringValue { value: "missing" } */
const MISSING = Buffer.from([0x0a, 0x07, ...Buffer.from('missing')]);

describe('a server given requests no well-behaved client sends', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await serveOrdersAndGreeter();
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
  afterEach(async () => {
    // Whatever came before, the process still runs and answers: an unknown order is NOT_FOUND.
    expect(server.alive()).toBe(true);
    expect((await rawExchange(server.port, GET_ORDER, grpcFrame(MISSING))).status).toBe(5);
  });

  it('refuses a gzip bomb (64 KiB that inflates to 64 MiB) with RESOURCE_EXHAUSTED', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const response = await rawExchange(server.port, GET_ORDER, grpcFrame(bomb, true), { 'grpc-encoding': 'gzip' });
    expect(response.status).toBe(8);
  });

  it('answers a compressed message without grpc-encoding with INTERNAL', async () => {
    expect((await rawExchange(server.port, GET_ORDER, grpcFrame(zlib.gzipSync(MISSING), true))).status).toBe(13);
  });

  it('answers an encoding it does not know with UNIMPLEMENTED', async () => {
    expect((await rawExchange(server.port, GET_ORDER, grpcFrame(MISSING, true), { 'grpc-encoding': 'br' })).status).toBe(12);
  });

  it('answers corrupt gzip with INTERNAL', async () => {
    expect((await rawExchange(server.port, GET_ORDER, grpcFrame(Buffer.from('not gzip at all'), true), { 'grpc-encoding': 'gzip' })).status).toBe(13);
  });

  it.each(['/ecommerce.OrderManagement/nope', '/no.Such/getOrder', '/', '/ecommerce.OrderManagement/'])('answers %s with UNIMPLEMENTED', async (path) => {
    expect((await rawExchange(server.port, path, grpcFrame(MISSING))).status).toBe(12);
  });

  it('answers a unary call with no request message, or with two, with an error', async () => {
    for (const body of [Buffer.alloc(0), Buffer.concat([grpcFrame(MISSING), grpcFrame(MISSING)])]) {
      const response = await rawExchange(server.port, GET_ORDER, body);
      expect([12, 13]).toContain(response.status);
    }
  });
});
