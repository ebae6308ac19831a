import * as path from 'node:path';
import { SwitchboardError, type AnyAppModule } from '@switchboard/core';

/**
 * Loads an app by package name or folder. A folder (`./apps/greeter`) is
 * relative to `baseDir`; a package name is looked up from `baseDir`, then
 * from the working directory. The app's entry point must have a default
 * export made with `defineModule`. `origin` says where the app was named
 * (`the command line`, `apps in deploy/all-in-one.json`) in error messages.
 */
export function loadApp(spec: string, baseDir = process.cwd(), origin = 'the command line'): AnyAppModule {
  const request = spec.startsWith('.') || spec.startsWith('/') ? path.resolve(baseDir, spec) : spec;
  let exports: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- apps are chosen at run time
    exports = require(require.resolve(request, { paths: [baseDir, process.cwd()] })) as Record<string, unknown>;
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_SERVICE', `cannot load app '${spec}' (from ${origin}): ${loadFailure(cause)}`, { cause });
  }
  const candidate = exports['default'] as Partial<AnyAppModule> | undefined;
  if (typeof candidate?.name !== 'string' || !Array.isArray(candidate.services)) {
    const found =
      'default' in exports
        ? `its default export is ${described(candidate)}`
        : `it has no default export (exports: ${Object.keys(exports).join(', ') || 'none'})`;
    throw new SwitchboardError('SB_ERR_SERVICE', `app '${spec}' (from ${origin}) must have a default export made with defineModule: ${found}`);
  }
  return candidate as AnyAppModule;
}

/** Why an app's entry point did not load: the error, and where in the app it was thrown; not the CLI's own require stack. */
function loadFailure(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const message = cause.message.split('\nRequire stack:')[0]!;
  const cli = path.dirname(__dirname);
  const lines = (cause.stack ?? '').split('\n');
  // A SyntaxError's stack starts with the file and line; any other error's frames say `at fn (file:line:column)`.
  const frame = [/^(\/.*:\d+)$/.exec(lines[0] ?? '')?.[1], ...lines.slice(1).map((line) => /(?:\(|at )(\/[^()]*?:\d+):\d+\)?$/.exec(line.trim())?.[1])].find(
    (at) => at !== undefined && !at.startsWith(cli),
  );
  return frame === undefined ? message : `${message} (at ${frame})`;
}

function described(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (value instanceof Promise) return 'a Promise: export the module itself, not a promise of it (no top-level async work in the entry point)';
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'}): export what defineModule returns`;
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).join(', ') || 'none'}, not a module (name and services)`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
