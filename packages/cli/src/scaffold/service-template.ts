import { camelCase, rpcNames, type AppPlan } from './app-plan';

/** The default of `<name>.maxItems`, and the count a `count` of 0 asks for. */
export const DEFAULT_ITEMS = 3;

/** `src/<name>-service.ts`: the `@Service` class, with each client injected and called from the unary rpc. */
export function serviceTemplate(plan: AppPlan): string {
  const { names, stream, clients } = plan;
  const n = rpcNames(names);
  const pkg = names.snake.split('.').join('/');
  const called = clients.filter((c) => c.call !== undefined);
  const coreImports = stream ? 'Code, RpcError, Service, inject' : 'Service, inject';
  const imports = [
    `import { ${coreImports} } from '@switchboard/core';`,
    ...(clients.length > 0 ? [`import type { Client } from '@switchboard/client';`] : []),
    ...clients.map((c) => `import { ${camelCase(c.app)}Client } from './${c.app}-client';`),
    `import type { ${n.getRequest}__Output } from './gen/${pkg}/${n.getRequest}';`,
    `import type { ${n.getResponse} } from './gen/${pkg}/${n.getResponse}';`,
    ...(stream
      ? [`import type { ${n.item} } from './gen/${pkg}/${n.item}';`, `import type { ${n.listRequest}__Output } from './gen/${pkg}/${n.listRequest}';`]
      : []),
    // The clients' descriptors only type the injected stubs here.
    `import { ${[names.pascal, ...clients.map((c) => `type ${c.service.name}`)].sort(byName).join(', ')} } from './gen/services';`,
    `import { ${names.pascal}ConfigToken, type ${names.pascal}Config } from './${names.name}-config';`,
  ];
  const params = [
    `@inject(${names.pascal}ConfigToken) private readonly config: ${names.pascal}Config['${names.camel}']`,
    ...clients.map((c) => `@inject(${camelCase(c.app)}Client.token) private readonly ${camelCase(c.app)}: Client<typeof ${c.service.name}>`),
  ];
  const constructor = params.length === 1 ? [`  constructor(${params[0]}) {}`] : ['  constructor(', ...params.map((p) => `    ${p},`), '  ) {}'];
  const calls = called.map((c) => {
    const call = c.call!;
    const request = call.requestField === undefined ? '{}' : `{ ${call.requestField}: request.name }`;
    return `    const ${camelCase(c.app)}Reply = await this.${camelCase(c.app)}.${call.method}(${request});`;
  });
  const replies = called.map(
    (c) =>
      ` (${c.app}: \${${c.call!.replyField === undefined ? `JSON.stringify(${camelCase(c.app)}Reply)` : `${camelCase(c.app)}Reply.${c.call!.replyField}`}})`,
  );
  const callComment = called.length > 0 ? ["    // Each call inherits this call's deadline and cancellation."] : [];
  const streamMethod = stream
    ? [
        '',
        `  async *${n.list}(request: ${n.listRequest}__Output): AsyncIterable<${n.item}> {`,
        `    const count = request.count === 0 ? ${DEFAULT_ITEMS} : request.count;`,
        '    if (count > this.config.maxItems) {',
        `      throw new RpcError(Code.INVALID_ARGUMENT, \`count \${count} is above ${names.camel}.maxItems (\${this.config.maxItems})\`);`,
        '    }',
        '    for (let index = 1; index <= count; index++) {',
        '      yield { index, message: `${this.config.greeting} ${request.name} #${index}` };',
        '    }',
        '  }',
      ]
    : [];
  const uses = called.length > 0 ? `, with what ${called.map((c) => c.service.fullName).join(' and ')} answer${called.length === 1 ? 's' : ''}` : '';
  return [
    ...imports,
    '',
    `/** \`${names.snake}.${names.pascal}\`: answers with the configured greeting and the name${uses}. */`,
    `@Service(${names.pascal})`,
    `export class ${names.pascal}Service {`,
    ...constructor,
    '',
    `  async ${n.get}(request: ${n.getRequest}__Output): Promise<${n.getResponse}> {`,
    ...callComment,
    ...calls,
    `    return { message: \`\${this.config.greeting} \${request.name}${replies.join('')}\` };`,
    '  }',
    ...streamMethod,
    '}',
    '',
  ].join('\n');
}

function byName(a: string, b: string): number {
  const key = (s: string): string => s.replace(/^type /, '');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}
