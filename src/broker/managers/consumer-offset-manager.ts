import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file.ts';

const SEP = '@';

/** Committed consumer offsets per topic@group and queue, persisted in `config/consumerOffset.json`. */
export class ConsumerOffsetManager {
  private readonly path: string;
  private readonly table = new Map<string, Map<number, number>>();
  private dirty = false;

  constructor(storeRoot: string) {
    this.path = join(storeRoot, 'config', 'consumerOffset.json');
  }

  load(): void {
    const file = readJsonFile<{ offsetTable?: Record<string, Record<string, number>> }>(this.path);
    for (const [key, queues] of Object.entries(file?.offsetTable ?? {})) {
      this.table.set(key, new Map(Object.entries(queues).map(([q, o]) => [Number(q), o])));
    }
  }

  /** Stores the next offset to consume; negative offsets are ignored (ali-ons sends -1 for "unknown"). */
  commit(group: string, topic: string, queueId: number, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) return;
    const key = topic + SEP + group;
    let queues = this.table.get(key);
    if (!queues) {
      queues = new Map();
      this.table.set(key, queues);
    }
    if (queues.get(queueId) !== offset) {
      queues.set(queueId, offset);
      this.dirty = true;
    }
  }

  /** The committed offset, or -1 when there is none. */
  query(group: string, topic: string, queueId: number): number {
    return this.table.get(topic + SEP + group)?.get(queueId) ?? -1;
  }

  /** Groups with offsets on `topic`. */
  groupsOf(topic: string): string[] {
    const out: string[] = [];
    for (const key of this.table.keys()) {
      const at = key.indexOf(SEP);
      if (key.slice(0, at) === topic) out.push(key.slice(at + 1));
    }
    return out;
  }

  /** Topics on which `group` has offsets. */
  topicsOf(group: string): string[] {
    const out: string[] = [];
    for (const key of this.table.keys()) {
      const at = key.indexOf(SEP);
      if (key.slice(at + 1) === group) out.push(key.slice(0, at));
    }
    return out;
  }

  deleteTopic(topic: string): void {
    for (const key of [...this.table.keys()])
      if (key.startsWith(topic + SEP)) this.table.delete(key);
    this.dirty = true;
  }

  persist(force = false): void {
    if (!this.dirty && !force) return;
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [key, queues] of this.table) offsetTable[key] = Object.fromEntries(queues);
    writeJsonFile(this.path, { offsetTable });
    this.dirty = false;
  }
}
