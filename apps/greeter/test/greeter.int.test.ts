import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startServer } from '@switchboard/server';
import pino from 'pino';
import { Greeter, greeterModule, type GreeterClient } from '../src/index';

describe('the greeter app', () => {
  it('answers SayHello with Hello <name>', async () => {
    const running = await startServer({
      modules: [greeterModule],
      config: { argv: [], env: { PORT: '0' }, configDir: fs.mkdtempSync(path.join(os.tmpdir(), 'greeter-')) },
      logger: pino({ level: 'silent' }),
    });
    const Client = grpc.makeClientConstructor(Greeter.definition, 'Greeter') as unknown as new (
      address: string,
      credentials: grpc.ChannelCredentials,
    ) => GreeterClient;
    const client = new Client(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure());
    try {
      const reply = await new Promise((resolve, reject) => client.SayHello({ name: 'Ada' }, (e, r) => (e ? reject(e) : resolve(r))));
      expect(reply).toEqual({ message: 'Hello Ada' });
    } finally {
      client.close();
      await running.shutdown(0);
    }
  });
});
