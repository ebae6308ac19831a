import { rpcNames, type AppPlan } from './app-plan';

/** `proto/<name>.proto`: the service, one unary rpc and, with `--stream`, a server-streaming one. */
export function protoTemplate({ names, stream }: AppPlan): string {
  const n = rpcNames(names);
  const streamRpc = stream
    ? [
        `  // Streams \`count\` numbered items (3 when 0), at most the config's ${names.camel}.maxItems.`,
        `  rpc ${n.list} (${n.listRequest}) returns (stream ${n.item}) {}`,
      ]
    : [];
  const streamMessages = stream
    ? [
        '',
        `message ${n.listRequest} {`,
        '  string name = 1;',
        '  uint32 count = 2;',
        '}',
        '',
        `message ${n.item} {`,
        '  uint32 index = 1;',
        '  string message = 2;',
        '}',
      ]
    : [];
  return [
    'syntax = "proto3";',
    '',
    `package ${names.snake};`,
    '',
    `// The ${names.name} app's service, made by \`switchboard new\`: change it, then \`npm run gen\`.`,
    `service ${names.pascal} {`,
    `  // Answers with the config's ${names.camel}.greeting and the name.`,
    `  rpc ${n.get} (${n.getRequest}) returns (${n.getResponse}) {}`,
    ...streamRpc,
    '}',
    '',
    `message ${n.getRequest} {`,
    '  string name = 1;',
    '}',
    '',
    `message ${n.getResponse} {`,
    '  string message = 1;',
    '}',
    ...streamMessages,
    '',
  ].join('\n');
}
