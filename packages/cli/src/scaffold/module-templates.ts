import { camelCase, rpcNames, type AppPlan } from './app-plan';
import type { ClientContract } from './client-contract';

/** Where a client's default target points: the default port of the server the apps share. */
export const DEFAULT_CLIENT_TARGET = '127.0.0.1:50051';

/** `src/<name>-config.ts`: the module's own config key, its schema and its typed token. */
export function configTemplate({ names, stream }: AppPlan): string {
  const { get, list } = rpcNames(names);
  const env = (key: string): string => `${names.constant}_${key}`;
  return [
    `import { createToken } from '@switchboard/core';`,
    '',
    `/** The ${names.name} app's own config keys. */`,
    `export interface ${names.pascal}Config {`,
    `  ${names.camel}: { greeting: string${stream ? '; maxItems: number' : ''} };`,
    '}',
    '',
    `/** Convict schema of {@link ${names.pascal}Config}. */`,
    `export const ${names.camel}ConfigSchema = {`,
    `  ${names.camel}: {`,
    `    greeting: { doc: 'What ${get} answers before the name.', format: String, default: 'Hello', env: '${env('GREETING')}' },`,
    ...(stream
      ? [
          '    maxItems: {',
          `      doc: 'The most items ${list} sends; a larger count is refused with INVALID_ARGUMENT.',`,
          `      format: 'positive-int',`,
          `      default: 100,`,
          `      env: '${env('MAX_ITEMS')}',`,
          '    },',
        ]
      : []),
    '  },',
    '};',
    '',
    `/** The validated \`${names.camel}\` section. */`,
    `export const ${names.pascal}ConfigToken = createToken<${names.pascal}Config['${names.camel}']>('${names.name}/Config');`,
    '',
  ].join('\n');
}

/** `src/<app>-client.ts`: the client of another app's service, declared once for the module's `clients`. */
export function clientTemplate(plan: AppPlan, client: ClientContract): string {
  const files = [...client.protos.keys()].map((f) => `proto/${f}`).join(', ');
  return [
    `import { defineClient } from '@switchboard/client';`,
    `import { ${client.service.name} } from './gen/services';`,
    '',
    '/**',
    ` * ${client.app}'s \`${client.service.fullName}\`, from ${files} (copied from apps/${client.app}: the contract, not`,
    ` * the app, so nothing imports it). \`clients.${client.app}\` in config; the default target is ${client.app} on the`,
    ` * same server, as \`switchboard start ./apps/${plan.names.name} ./apps/${client.app}\` runs them.`,
    ' */',
    `export const ${camelCase(client.app)}Client = defineClient('${client.app}', ${client.service.name}, { target: '${DEFAULT_CLIENT_TARGET}' });`,
    '',
  ].join('\n');
}

/** `src/index.ts`: the module, its default export, and what tests and other programs import. */
export function indexTemplate(plan: AppPlan): string {
  const { names, clients, stream } = plan;
  const n = rpcNames(names);
  const pkg = names.snake;
  const register = `register: (container, config) => bindValue(container, ${names.pascal}ConfigToken, config.${names.camel}),`;
  const calls = clients.length > 0 ? `, calling ${clients.map((c) => `${c.app}'s \`${c.service.fullName}\``).join(' and ')}` : '';
  return [
    `import { bindValue, defineModule } from '@switchboard/core';`,
    ...clients.map((c) => `import { ${camelCase(c.app)}Client } from './${c.app}-client';`),
    `import { ${names.pascal}ConfigToken, ${names.camel}ConfigSchema, type ${names.pascal}Config } from './${names.name}-config';`,
    `import { ${names.pascal}Service } from './${names.name}-service';`,
    '',
    `export { ${[names.pascal, ...clients.map((c) => c.service.name)].sort().join(', ')} } from './gen/services';`,
    `export { ${names.pascal}Service } from './${names.name}-service';`,
    `export { ${names.pascal}ConfigToken, ${names.camel}ConfigSchema } from './${names.name}-config';`,
    `export type { ${names.pascal}Config } from './${names.name}-config';`,
    ...clients.map((c) => `export { ${camelCase(c.app)}Client } from './${c.app}-client';`),
    `export type { ${n.getRequest}, ${n.getRequest}__Output } from './gen/${pkg}/${n.getRequest}';`,
    `export type { ${n.getResponse}, ${n.getResponse}__Output } from './gen/${pkg}/${n.getResponse}';`,
    ...(stream
      ? [
          `export type { ${n.listRequest}, ${n.listRequest}__Output } from './gen/${pkg}/${n.listRequest}';`,
          `export type { ${n.item}, ${n.item}__Output } from './gen/${pkg}/${n.item}';`,
        ]
      : []),
    '',
    `/** The ${names.name} app: \`${names.snake}.${names.pascal}\` with its own config key${calls}. */`,
    `export const ${names.camel}Module = defineModule<${names.pascal}Config>({`,
    `  name: '${names.name}',`,
    `  config: ${names.camel}ConfigSchema,`,
    ...(clients.length > 0 ? [`  clients: [${clients.map((c) => `${camelCase(c.app)}Client`).join(', ')}],`] : []),
    `  services: [${names.pascal}Service],`,
    `  ${register}`,
    '});',
    '',
    `export default ${names.camel}Module;`,
    '',
  ].join('\n');
}
