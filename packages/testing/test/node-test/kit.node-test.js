// The kit under node:test, from the built packages (dist), in plain JavaScript:
// run by node-test.int.test.ts as `node --test`, to show the kit needs no jest.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Service, defineModule, loadProto, serviceDescriptor } = require('@switchboard/core');
const { LeftOpenError, startTestServer } = require('@switchboard/testing');

const Numbers = serviceDescriptor(loadProto(path.join(__dirname, '../fixtures/numbers.proto')), 'testkit.Numbers');

class NumbersService {
  async Square(request) {
    return { value: request.value * request.value };
  }
  async *Count(request) {
    for (let i = 1; i <= request.value; i++) yield { value: i };
  }
  async Sum(requests) {
    let sum = 0;
    for await (const { value } of requests) sum += value;
    return { value: sum };
  }
  async *Echo(requests) {
    for await (const request of requests) yield request;
  }
}
Service(Numbers)(NumbersService);
const numbersModule = defineModule({ name: 'numbers', services: [NumbersService] });

test('a kit client gets its answer under node:test', async () => {
  const server = await startTestServer({ modules: [numbersModule] });
  try {
    assert.deepEqual(await server.client(Numbers).Square({ value: 4 }), { value: 16 });
  } finally {
    await server.close();
  }
});

test('close() rejects on a stream left open under node:test', async () => {
  const server = await startTestServer({ modules: [numbersModule] });
  const stream = server.client(Numbers).Count({ value: 3 })[Symbol.asyncIterator]();
  assert.deepEqual((await stream.next()).value, { value: 1 });
  await assert.rejects(server.close(), (error) => error instanceof LeftOpenError && /client call \/testkit\.Numbers\/Count ×1/.test(error.message));
});
