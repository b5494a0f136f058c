/**
 * Top entries of a V8 CPU profile (`node --cpu-prof`): self time per function, and the share of
 * busy time (idle and GC shown apart). `node --import tsx bench/cpu-profile-top.ts <file> [n]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, nArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpu-profile-top.ts <file.cpuprofile> [n]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const f = byId.get(id)?.callFrame;
  if (!f) return;
  total += dt;
  if (f.functionName === '(idle)') {
    idle += dt;
    return;
  }
  const where = f.url
    ? `${f.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`
    : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`;
  self.set(key, (self.get(key) ?? 0) + dt);
});
const busy = total - idle;
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${((busy / total) * 100).toFixed(0)}%`,
);
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 25));
for (const [key, t] of top)
  console.log(
    `${((t / busy) * 100).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${key}`,
  );
