import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Broadcasting consumers keep offsets in a local file, one per client and group (as RocketMQ). */
export class LocalOffsetStore {
  private readonly path: string;
  private readonly offsets = new Map<string, number>();

  constructor(path: string) {
    this.path = path;
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as {
        offsetTable?: Record<string, number>;
      };
      for (const [k, v] of Object.entries(parsed.offsetTable ?? {})) this.offsets.set(k, v);
    } catch {
      // No file yet (or a torn one): start from consumeFromWhere.
    }
  }

  read(key: string): number {
    return this.offsets.get(key) ?? -1;
  }

  update(key: string, offset: number): void {
    this.offsets.set(key, offset);
  }

  persist(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ offsetTable: Object.fromEntries(this.offsets) }));
    renameSync(tmp, this.path);
  }
}
