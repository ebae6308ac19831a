import { rpcNames, type AppPlan } from './app-plan';

/** `README.md`: what the app is, and how to test, run and call it. */
export function readmeTemplate({ names, stream, clients }: AppPlan): string {
  const n = rpcNames(names);
  const full = `${names.snake}.${names.pascal}`;
  const apps = [`./apps/${names.name}`, ...clients.map((c) => `./apps/${c.app}`)].join(' ');
  const lines = [
    `# ${names.name}`,
    '',
    `\`${full}\`, made by \`switchboard new\`:`,
    '',
    `- \`${n.get}\` answers \`<greeting> <name>\` (\`${names.camel}.greeting\` in config, default \`Hello\`)` +
      (clients.length > 0
        ? `, followed by what ${clients.map((c) => `${c.app}'s \`${c.service.fullName}\``).join(' and ')} answer${clients.length === 1 ? 's' : ''}.`
        : '.'),
    ...(stream
      ? [`- \`${n.list}\` streams \`count\` numbered items (3 when 0); more than \`${names.camel}.maxItems\` (default 100) is INVALID_ARGUMENT.`]
      : []),
    '',
    '## Files',
    '',
    `- \`proto/${names.name}.proto\`: the contract. \`npm run gen -w ${names.packageName}\` (\`switchboard gen\`, also run`,
    `  by the build) writes \`src/gen\`, whose \`${names.pascal}\` descriptor the service is decorated with. Add an rpc and the`,
    `  build fails until \`${names.pascal}Service\` has its method.`,
    `- \`src/${names.name}-service.ts\`: the \`@Service\` class; \`src/${names.name}-config.ts\`: the \`${names.camel}\` config key;`,
    `  \`src/index.ts\`: the module (the default export \`switchboard start\` loads).`,
    ...clients.map(
      (c) =>
        `- \`src/${c.app}-client.ts\`: the client of ${c.app}, \`clients.${c.app}\` in config (default target \`127.0.0.1:50051\`, the same server). Its contract, ${[...c.protos.keys()].map((f) => `\`proto/${f}\``).join(', ')}, is a copy of apps/${c.app}'s: copy it again when that app changes it.`,
    ),
    `- \`test/${names.name}.int.test.ts\`: the module on a free port with \`@switchboard/testing\`${clients.length > 0 ? ', its clients faked or failed' : ''}.`,
    '',
    '## Test, run, call',
    '',
    '```sh',
    `npm test -w apps/${names.name}`,
    `npm run build -w apps/${names.name} && npx switchboard start ${apps}   # 127.0.0.1:50051, health and reflection on`,
    'grpcurl -plaintext 127.0.0.1:50051 list',
    `grpcurl -plaintext -d '{"name": "Ada"}' 127.0.0.1:50051 ${full}/${n.get}`,
    ...(stream ? [`grpcurl -plaintext -d '{"name": "Ada", "count": 2}' 127.0.0.1:50051 ${full}/${n.list}`] : []),
    '```',
    '',
    `Config comes from \`config/default.json\` of the folder \`switchboard start\` runs in (\`npm start -w apps/${names.name}\``,
    `runs it in this one), then the environment (\`${names.constant}_GREETING\`), then \`--config FILE\`.`,
    '',
  ];
  return lines.join('\n');
}
