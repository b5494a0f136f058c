import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file.ts';

const SEP = '@';

/** Committed consumer offsets per topic@group and queue, persisted in `config/consumerOffset.json`. */
export class ConsumerOffsetManager {
  private readonly path: string;
  private readonly table = new Map<string, Map<number, number>>();
  /**
   * Offsets set by an admin reset that no pull has picked up yet (RocketMQ's resetOffsetTable):
   * until then a consumer's UPDATE_CONSUMER_OFFSET of its old position is ignored, and its next
   * pull from elsewhere is told to move (PULL_OFFSET_MOVED). In memory only, like RocketMQ's.
   */
  private readonly resets = new Map<string, Map<number, number>>();
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
    this.put(topic + SEP + group, queueId, offset);
  }

  /** Whether an admin reset of the queue waits for the group's next pull. */
  hasPendingReset(group: string, topic: string, queueId: number): boolean {
    return this.resets.get(topic + SEP + group)?.has(queueId) ?? false;
  }

  /** An admin reset: the offset is stored at once and held for the queue's next pull. */
  assignResetOffset(group: string, topic: string, queueId: number, offset: number): void {
    const key = topic + SEP + group;
    let queues = this.resets.get(key);
    if (!queues) {
      queues = new Map();
      this.resets.set(key, queues);
    }
    queues.set(queueId, offset);
    this.put(key, queueId, offset);
  }

  /** The pending reset of a queue, removed: the pull that takes it moves the consumer there. */
  takeResetOffset(group: string, topic: string, queueId: number): number | undefined {
    const key = topic + SEP + group;
    const queues = this.resets.get(key);
    const offset = queues?.get(queueId);
    if (offset === undefined) return undefined;
    queues?.delete(queueId);
    if (queues?.size === 0) this.resets.delete(key);
    return offset;
  }

  private put(key: string, queueId: number, offset: number): void {
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
    for (const key of [...this.resets.keys()])
      if (key.startsWith(topic + SEP)) this.resets.delete(key);
    this.dirty = true;
  }

  /** A slave takes in its master's offsets (SlaveSynchronize); offsets of other keys stay. */
  putAll(offsetTable: Record<string, Record<string, number>>): void {
    for (const [key, queues] of Object.entries(offsetTable))
      for (const [q, offset] of Object.entries(queues))
        if (Number.isSafeInteger(offset)) this.put(key, Number(q), offset);
    this.persist();
  }

  /** Every committed offset, "topic@group" -> queue id -> offset (ConsumerOffsetSerializeWrapper). */
  snapshot(): Record<string, Record<string, number>> {
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [key, queues] of this.table) offsetTable[key] = Object.fromEntries(queues);
    return offsetTable;
  }

  persist(force = false): void {
    if (!this.dirty && !force) return;
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [key, queues] of this.table) offsetTable[key] = Object.fromEntries(queues);
    writeJsonFile(this.path, { offsetTable });
    this.dirty = false;
  }
}
