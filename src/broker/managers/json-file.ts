import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a JSON config file, falling back to its `.bak` copy when the file is missing or torn. */
export function readJsonFile<T>(path: string): T | undefined {
  for (const p of [path, `${path}.bak`]) {
    if (!existsSync(p)) continue;
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as T;
    } catch {
      // Torn or empty: try the backup.
    }
  }
  return undefined;
}

/** Writes atomically: the old file becomes `.bak`, the new one is renamed into place. */
export function writeJsonFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  if (existsSync(path)) renameSync(path, `${path}.bak`);
  renameSync(tmp, path);
}
