import * as path from 'node:path';
import { SwitchboardError, type AnyAppModule } from '@switchboard/core';

/**
 * Loads an app by package name or folder. The app's entry point must have a
 * default export made with `defineModule`.
 */
export function loadApp(spec: string, cwd = process.cwd()): AnyAppModule {
  const request = spec.startsWith('.') || spec.startsWith('/') ? path.resolve(cwd, spec) : spec;
  let exports: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- apps are chosen at run time
    exports = require(require.resolve(request, { paths: [cwd] })) as Record<string, unknown>;
  } catch (cause) {
    throw new SwitchboardError('SB_ERR_SERVICE', `cannot load app '${spec}': ${(cause as Error).message}`, { cause });
  }
  const candidate = exports['default'] as Partial<AnyAppModule> | undefined;
  if (typeof candidate?.name !== 'string' || !Array.isArray(candidate.services)) {
    throw new SwitchboardError(
      'SB_ERR_SERVICE',
      `app '${spec}' has no default export made with defineModule (exports: ${Object.keys(exports).join(', ') || 'none'})`,
    );
  }
  return candidate as AnyAppModule;
}
