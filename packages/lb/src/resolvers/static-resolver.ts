import { registerResolver } from './register-resolver';

/** `static:///host:port,host:port`: a fixed list; names are looked up once per resolution. */
export function registerStaticResolver(): void {
  registerResolver('static', (target) => {
    const endpoints = target.path
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    return { resolve: () => endpoints };
  });
}
