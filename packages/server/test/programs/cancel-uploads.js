// A plain grpc-js client in its own process: opens client-streaming calls one
// at a time, sends one message, and cancels each once the parent (the test,
// which hosts the server) says the handler has it; every other cancel is
// followed by a busy event loop. Usage: node
// cancel-uploads.js <port> <calls>; the parent answers each 'sent' with 'go'
// and each 'cancelled' with 'next'.
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [port, count] = process.argv.slice(2).map(Number);
const definition = protoLoader.loadSync(path.join(__dirname, '../../../../testing/echo/echo.proto'), { keepCase: true, defaults: true });
const { Echo } = grpc.loadPackageDefinition(definition).switchboard.test;
const client = new Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
/** Keeps this process busy for 20 ms on the next turn, between the cancel's frames if they were written apart. */
const busyNextTurn = () =>
  setImmediate(() => {
    const end = Date.now() + 20;
    while (Date.now() < end);
  });
const reply = () => new Promise((resolve) => process.once('message', resolve));

(async () => {
  for (let i = 0; i < count; i++) {
    const call = client.ClientStream(() => undefined);
    call.on('error', () => undefined);
    call.write({ message: 'partial' });
    process.send('sent');
    await reply();
    call.cancel();
    if (i % 2 === 1) busyNextTurn();
    process.send('cancelled');
    await reply();
  }
  client.close();
  process.disconnect();
})();
