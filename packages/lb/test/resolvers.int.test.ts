import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { installLb, registerResolver } from '../src/index';
import { backends, labClient, spread, warm, type Backend } from './backends';

installLb();

describe('name resolvers', () => {
  let servers: Backend[] = [];
  let close: () => void = () => undefined;
  beforeAll(async () => {
    servers = await backends(3);
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });
  afterEach(() => close());

  it('static:/// spreads calls over every listed endpoint, names looked up', async () => {
    const [a, b, c] = servers as [Backend, Backend, Backend];
    const lab = labClient(`static:///127.0.0.1:${a.port},localhost:${b.port},127.0.0.1:${c.port}`);
    close = lab.close;
    await warm(lab.whoAnswers, ['b0', 'b1', 'b2']);
    const counts = await spread(lab.whoAnswers, 30);
    expect(counts).toEqual({ b0: 10, b1: 10, b2: 10 });
  });

  it('file:/// follows edits of the file without a restart, and keeps the last list if the file breaks', async () => {
    const [a, b, c] = servers as [Backend, Backend, Backend];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-file-resolver-'));
    const file = path.join(dir, 'endpoints.json');
    fs.writeFileSync(file, JSON.stringify([a.address]));
    const lab = labClient(`file://${file}`);
    close = lab.close;
    expect(await spread(lab.whoAnswers, 5)).toEqual({ b0: 5 });
    fs.writeFileSync(file, JSON.stringify({ endpoints: [b.address, { address: c.address, weight: 2 }] }));
    const deadline = Date.now() + 2000;
    while ((await lab.whoAnswers()) === 'b0') if (Date.now() > deadline) throw new Error('the edit did not reach the client in 2 s');
    await warm(lab.whoAnswers, ['b1', 'b2']);
    expect(await spread(lab.whoAnswers, 10)).toEqual({ b1: 5, b2: 5 });
    fs.writeFileSync(file, '{ not json');
    await new Promise((r) => setTimeout(r, 200));
    expect(await spread(lab.whoAnswers, 4)).toEqual({ b1: 2, b2: 2 });
  });

  it('a custom scheme takes a few lines: example:///lb.example.grpc.io', async () => {
    const [a, b] = servers as [Backend, Backend];
    const asked: string[] = [];
    registerResolver('example', (target) => {
      asked.push(target.path);
      return { resolve: () => (target.path === 'lb.example.grpc.io' ? [a.address, b.address] : []) };
    });
    const lab = labClient('example:///lb.example.grpc.io');
    close = lab.close;
    await warm(lab.whoAnswers, ['b0', 'b1']);
    expect(await spread(lab.whoAnswers, 10)).toEqual({ b0: 5, b1: 5 });
    expect(asked).toContain('lb.example.grpc.io');
  });

  it('does not re-resolve in a loop while an endpoint is down', async () => {
    const [a] = servers as [Backend];
    let resolutions = 0;
    registerResolver('halfdown', () => ({
      resolve: () => {
        resolutions++;
        return [a.address, '127.0.0.1:1'];
      },
    }));
    const lab = labClient('halfdown:///svc');
    close = lab.close;
    let lag = 0;
    const started = Date.now();
    while (Date.now() - started < 2500) {
      const before = Date.now();
      await new Promise((r) => setTimeout(r, 10));
      lag = Math.max(lag, Date.now() - before - 10);
      await lab.whoAnswers();
    }
    // grpc-js asks again each time the dead endpoint fails to connect; at most one run a second goes through.
    expect(resolutions).toBeLessThanOrEqual(4);
    expect(lag).toBeLessThan(200);
  });

  it('fails fast with UNAVAILABLE and the reason when there is nothing to call', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-file-resolver-'));
    fs.writeFileSync(path.join(dir, 'empty.json'), '[]');
    for (const target of [`file://${dir}/empty.json`, `file://${dir}/missing.json`, 'example:///unknown.host']) {
      const lab = labClient(target);
      const started = Date.now();
      const error = (await lab.whoAnswers(5000).catch((e: unknown) => e)) as grpc.ServiceError;
      lab.close();
      expect(error.code).toBe(grpc.status.UNAVAILABLE);
      expect(error.details).toMatch(/no endpoints|ENOENT/);
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });
});
