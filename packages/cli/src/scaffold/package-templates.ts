import { DEFAULT_CLIENT_TARGET } from './module-templates';
import type { AppPlan } from './app-plan';

/** `package.json`: a private workspace with greeter's scripts, pinned to the versions the repository's packages use. */
export function packageJsonTemplate({ names, clients, versions }: AppPlan): string {
  const pin = (names: readonly string[]): Record<string, string> => Object.fromEntries(names.map((name) => [name, exactVersion(versions, name)]));
  const manifest = {
    name: names.packageName,
    version: '0.1.0',
    private: true,
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    scripts: {
      gen: 'switchboard gen',
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json',
      lint: 'eslint src test',
      start: 'switchboard start .',
      test: 'jest',
    },
    dependencies: pin(['@grpc/grpc-js', '@grpc/proto-loader', ...(clients.length > 0 ? ['@switchboard/client'] : []), '@switchboard/core']),
    devDependencies: pin(['@switchboard/cli', '@switchboard/testing']),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function exactVersion(versions: ReadonlyMap<string, string>, name: string): string {
  const version = versions.get(name);
  if (version === undefined) throw new Error(`no version of ${name} found in packages/*/package.json (a new app pins what the repository's packages use)`);
  return version;
}

/** `tsconfig.json`: sources and tests, checked without output (`npm run typecheck`). */
export const TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src", "test"]
}
`;

/** `tsconfig.build.json`: src to dist (`npm run build`). */
export const TSCONFIG_BUILD = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist" },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
`;

/** `jest.config.js`: the repository's preset. */
export const JEST_CONFIG = `module.exports = require('../../jest.preset.js')(__dirname);\n`;

/** `config/default.json`: the module's keys at their defaults and each client's target, read by `npm start` in the app's folder. */
export function defaultConfigTemplate({ names, stream, clients }: AppPlan): string {
  const config = {
    [names.camel]: { greeting: 'Hello', ...(stream ? { maxItems: 100 } : {}) },
    ...(clients.length > 0 ? { clients: Object.fromEntries(clients.map((c) => [c.app, { target: DEFAULT_CLIENT_TARGET }])) } : {}),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
