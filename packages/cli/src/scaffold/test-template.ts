import { camelCase, rpcNames, type AppPlan } from './app-plan';
import type { ClientContract } from './client-contract';

/**
 * `test/<name>.int.test.ts`, on `@switchboard/testing`: the module alone on a
 * free port; each client replaced by a fake (a DI override) or failed by an
 * injected fault, so no other app is started or imported.
 */
export function testTemplate(plan: AppPlan): string {
  const { names, stream } = plan;
  const n = rpcNames(names);
  const called = plan.clients.filter((c) => c.call !== undefined);
  // Fakes only serve the test of the unary rpc's answer, which needs every client it calls faked.
  const faked = called.every((c) => c.call?.fakeReply !== undefined) ? called : [];
  const failed = called[0];
  const moduleName = `${names.camel}Module`;
  const client = `server.client(${names.pascal})`;

  const kit = ['startTestServer', 'type TestServer', ...(faked.length > 0 ? ['override'] : []), ...(failed ? ['injectClientFaults'] : [])].sort(byName);
  const core = [...(failed || stream ? ['Code'] : []), ...(failed ? ['RpcError', 'defineModule'] : [])];
  const fromIndex = [
    names.pascal,
    moduleName,
    ...faked.map((c) => c.service.name),
    ...faked.map((c) => `${camelCase(c.app)}Client`),
    ...(failed ? [failed.service.name] : []),
  ];
  const lines = [
    ...(faked.length > 0 ? [`import type { Client } from '@switchboard/client';`] : []),
    ...(core.length > 0 ? [`import { ${core.join(', ')} } from '@switchboard/core';`] : []),
    `import { ${kit.join(', ')} } from '@switchboard/testing';`,
    `import { ${[...new Set(fromIndex)].sort(byName).join(', ')} } from '../src/index';`,
    '',
  ];
  for (const c of faked) lines.push(...fakeClient(c), '');
  lines.push(`describe('the ${names.name} app', () => {`, '  let server: TestServer;', '  afterEach(() => server.close());');

  if (faked.length < called.length) {
    const unfaked = called.filter((c) => c.call?.fakeReply === undefined).map((c) => c.service.fullName);
    lines.push(
      '',
      `  // ${n.get}'s answer is not tested here: ${unfaked.join(' and ')} ha${unfaked.length === 1 ? 's' : 've'} no one-line fake; override the client's token with one.`,
    );
  } else {
    const overrides = faked.map((c) => `override(${camelCase(c.app)}Client.token, ${fakeName(c)})`);
    const options = overrides.length > 0 ? `{ modules: [${moduleName}], overrides: [${overrides.join(', ')}] }` : `{ modules: [${moduleName}] }`;
    const replies = faked.map((c) => ` (${c.app}: ${c.call?.requestField === undefined ? 'fake' : 'fake Ada'})`).join('');
    const what = faked.length > 0 ? `, the name and what ${faked.map((c) => c.app).join(' and ')} answer${faked.length === 1 ? 's' : ''}` : ' and the name';
    lines.push(
      '',
      `  it('answers ${n.get} with the greeting${what}', async () => {`,
      `    server = await startTestServer(${options});`,
      `    await expect(${client}.${n.get}({ name: 'Ada' })).resolves.toEqual({ message: 'Hello Ada${replies}' });`,
      '  });',
    );
  }
  if (failed?.call !== undefined) {
    const interceptor = `${failed.app}-down`;
    lines.push(
      '',
      `  it('fails ${n.get} with UNAVAILABLE when ${failed.app} cannot be reached', async () => {`,
      `    // A fault on the real injected client, before the wire; clients.${failed.app}.interceptors names it.`,
      `    const ${camelCase(failed.app)}Down = defineModule({`,
      `      name: '${interceptor}',`,
      '      services: [],',
      `      clientInterceptors: { '${interceptor}': injectClientFaults(${failed.service.name}, { ${failed.call.method}: { fail: new RpcError(Code.UNAVAILABLE, 'connection refused') } }) },`,
      '    });',
      `    const config = { clients: { ${propertyKey(failed.app)}: { interceptors: ['${interceptor}'] } } };`,
      `    server = await startTestServer({ modules: [${moduleName}, ${camelCase(failed.app)}Down], config });`,
      `    await expect(${client}.${n.get}({ name: 'Ada' })).rejects.toMatchObject({ code: Code.UNAVAILABLE });`,
      '  });',
    );
  }
  if (stream) {
    lines.push(
      '',
      `  it('streams count items, and refuses a count above ${names.camel}.maxItems with INVALID_ARGUMENT', async () => {`,
      `    server = await startTestServer({ modules: [${moduleName}], config: { ${names.camel}: { maxItems: 2 } } });`,
      `    await expect(all(${client}.${n.list}({ name: 'Ada', count: 2 }))).resolves.toEqual([`,
      `      { index: 1, message: 'Hello Ada #1' },`,
      `      { index: 2, message: 'Hello Ada #2' },`,
      '    ]);',
      `    await expect(all(${client}.${n.list}({ name: 'Ada', count: 3 }))).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });`,
      '  });',
    );
  }
  lines.push('});', '');
  if (stream) {
    lines.push(
      'async function all<T>(items: AsyncIterable<T>): Promise<T[]> {',
      '  const out: T[] = [];',
      '  for await (const item of items) out.push(item);',
      '  return out;',
      '}',
      '',
    );
  }
  return lines.join('\n');
}

function fakeName(c: ClientContract): string {
  return `fake${c.service.name}`;
}

/** `const fakeGreeter: Client<typeof Greeter> = { SayHello: async (request) => ({ message: `fake ${request.name}` }) };` */
function fakeClient(c: ClientContract): string[] {
  const call = c.call!;
  const value = (field: string): string =>
    field === call.replyField && call.requestField !== undefined ? `\`fake \${request.${call.requestField}}\`` : `'fake'`;
  const reply = (call.fakeReply ?? []).map((f) => `${f}: ${value(f)}`).join(', ');
  const param = call.requestField === undefined ? '()' : '(request)';
  return [
    `/** ${c.app}'s \`${c.service.fullName}\` as a fake: no ${c.app} server runs in these tests. */`,
    `const ${fakeName(c)}: Client<typeof ${c.service.name}> = { ${call.method}: async ${param} => ({ ${reply} }) };`,
  ];
}

function byName(a: string, b: string): number {
  const key = (s: string): string => s.replace(/^type /, '');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** A property key as Prettier writes it: quoted only when it must be. */
function propertyKey(name: string): string {
  return /^[a-z][a-z0-9]*$/.test(name) ? name : `'${name}'`;
}
