import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConsumeQueue } from './consume-queue.ts';

/** Every ConsumeQueue of the store, laid out as `consumequeue/<topic>/<queueId>/`. */
export class ConsumeQueueTable {
  private readonly dir: string;
  private readonly fileSize: number;
  private readonly table = new Map<string, Map<number, ConsumeQueue>>();

  constructor(dir: string, fileSize: number) {
    this.dir = dir;
    this.fileSize = fileSize;
  }

  load(): void {
    mkdirSync(this.dir, { recursive: true });
    for (const topic of readdirSync(this.dir)) {
      const topicDir = join(this.dir, topic);
      if (!statSync(topicDir).isDirectory()) continue;
      for (const q of readdirSync(topicDir)) {
        if (!/^\d+$/.test(q)) continue;
        const cq = this.create(topic, Number(q));
        cq.load();
      }
    }
  }

  find(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.table.get(topic)?.get(queueId);
  }

  findOrCreate(topic: string, queueId: number): ConsumeQueue {
    return this.find(topic, queueId) ?? this.create(topic, queueId);
  }

  private create(topic: string, queueId: number): ConsumeQueue {
    let queues = this.table.get(topic);
    if (!queues) {
      queues = new Map();
      this.table.set(topic, queues);
    }
    const cq = new ConsumeQueue(
      join(this.dir, topic, String(queueId)),
      topic,
      queueId,
      this.fileSize,
    );
    queues.set(queueId, cq);
    return cq;
  }

  get size(): number {
    let n = 0;
    for (const q of this.table.values()) n += q.size;
    return n;
  }

  *all(): IterableIterator<ConsumeQueue> {
    for (const queues of this.table.values()) yield* queues.values();
  }

  topics(): string[] {
    return [...this.table.keys()];
  }

  /** Deletes a topic's queues and files. */
  deleteTopic(topic: string): void {
    const queues = this.table.get(topic);
    if (!queues) return;
    for (const cq of queues.values()) cq.close();
    this.table.delete(topic);
    rmSync(join(this.dir, topic), { recursive: true, force: true });
  }

  close(): void {
    for (const cq of this.all()) cq.close();
  }
}
