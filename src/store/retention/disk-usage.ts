import { statfsSync } from 'node:fs';

/** Percent of the file system holding `path` that is in use (0..100), as RocketMQ computes it. */
export function diskUsedPercent(path: string): number {
  const s = statfsSync(path);
  if (s.blocks === 0) return 0;
  return ((s.blocks - s.bfree) / s.blocks) * 100;
}

/** Size and free space of the file system holding `path`, in bytes. */
export function diskSpace(path: string): { totalBytes: number; freeBytes: number } {
  const s = statfsSync(path);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}
