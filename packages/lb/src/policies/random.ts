/** A uniform integer in [0, n). */
export function randomInt(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * `k` distinct indices of [0, n) in random order, uniformly: Floyd's
 * algorithm (k draws, no array of n), then a shuffle, because Floyd's order
 * is biased and callers break ties by order. Requires k ≤ n.
 */
export function sampleDistinct(n: number, k: number, random: (n: number) => number = randomInt): number[] {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = random(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const out = [...chosen];
  for (let i = out.length - 1; i > 0; i--) {
    const r = random(i + 1);
    [out[i], out[r]] = [out[r]!, out[i]!];
  }
  return out;
}
