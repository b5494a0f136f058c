import { statfsSync } from 'node:fs';

/** Percent of the file system holding `path` that is in use (0..100), as RocketMQ computes it. */
export function diskUsedPercent(path: string): number {
  const s = statfsSync(path);
  if (s.blocks === 0) return 0;
  return ((s.blocks - s.bfree) / s.blocks) * 100;
}
