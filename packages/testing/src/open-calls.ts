import { observe, observeClient, type ClientInterceptor, type ServerInterceptor } from '@switchboard/core';

/**
 * The calls under way on one side (the server's, or the kit's clients'),
 * counted by method path, fed by an observing interceptor.
 * @internal
 */
export class OpenCalls {
  private readonly open = new Map<object, string>();
  private idle: (() => void)[] = [];

  get size(): number {
    return this.open.size;
  }

  /** `/pkg.Service/Method ×2` for each method with calls open, in the order they started. */
  describe(): string[] {
    const counts = new Map<string, number>();
    for (const path of this.open.values()) counts.set(path, (counts.get(path) ?? 0) + 1);
    return [...counts].map(([path, n]) => `${path} ×${n}`);
  }

  /** Resolves true once no call is open, or false after `ms`. */
  async waitIdle(ms: number): Promise<boolean> {
    if (this.open.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
        this.idle.push(() => resolve(true));
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** An outermost server interceptor that counts the server's calls. */
  serverInterceptor(): ServerInterceptor {
    return observe({ onStart: (call) => this.add(call, call.method.path), onEnd: (call) => this.delete(call) });
  }

  /** An outermost client interceptor that counts a client's calls. */
  clientInterceptor(): ClientInterceptor {
    return observeClient({ onStart: (call) => this.add(call, call.method.path), onEnd: (call) => this.delete(call) });
  }

  private add(call: object, path: string): void {
    this.open.set(call, path);
  }

  private delete(call: object): void {
    this.open.delete(call);
    if (this.open.size > 0 || this.idle.length === 0) return;
    const waiters = this.idle;
    this.idle = [];
    for (const wake of waiters) wake();
  }
}
