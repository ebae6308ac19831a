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
    throw new SwitchboardError('SB_ERR_SERVICE', `cannot load app '${spec}' (from ${origin}): ${(cause as Error).message}`, { cause });
  }
  const candidate = exports['default'] as Partial<AnyAppModule> | undefined;
  if (typeof candidate?.name !== 'string' || !Array.isArray(candidate.services)) {
    throw new SwitchboardError(
      'SB_ERR_SERVICE',
      `app '${spec}' (from ${origin}) has no default export made with defineModule (exports: ${Object.keys(exports).join(', ') || 'none'})`,
    );
  }
  return candidate as AnyAppModule;
}
