import * as fs from 'node:fs';
import * as path from 'node:path';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) this reads. */
interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Prints the functions with the most self time in a `.cpuprofile`, with
 * their share of all samples, and the share of each package or node
 * internal: `node dist/cpuprofile-top.js FILE [COUNT]`.
 */
function main(): void {
  const [file, countArg] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: cpuprofile-top.js FILE.cpuprofile [COUNT]');
  const count = Number(countArg ?? 30);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? `${shorten(url)}:${lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + micros);
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
    total += micros;
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
  process.stdout.write(
    [`${(total / 1e6).toFixed(1)} s sampled`, '', 'self time by area:', ...top(byArea, 15), '', 'self time by function:', ...top(self, count), ''].join('\n'),
  );
}

function shorten(url: string): string {
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) return url.slice(at + 'node_modules/'.length);
  const packages = url.search(/\/(packages|apps)\//);
  return packages >= 0 ? url.slice(packages + 1) : path.basename(url);
}

function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const ours = /\/((?:packages|apps)\/[^/]+)\//.exec(url);
  return ours ? ours[1]! : url;
}

main();
