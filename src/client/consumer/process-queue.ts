import type { MessageQueue, MessageView } from '../message.ts';

/**
 * The messages of one queue taken by a push consumer and not yet finished. Offsets arrive in
 * ascending order and the Map keeps insertion order, so the first key is the lowest unfinished
 * offset: the only safe offset to commit.
 */
export class ProcessQueue {
  readonly queue: MessageQueue;
  private readonly inFlight = new Map<number, MessageView>();
  private bytes = 0;
  /** Offset after the last message taken. */
  private highest: number;
  dropped = false;
  /** Pulling is paused: the queue holds its threshold of messages or bytes (flow control). */
  flowControlled = false;
  /** Orderly mode: the worker consuming this queue one message at a time, while it runs. */
  worker: Promise<void> | undefined;

  constructor(queue: MessageQueue, startOffset: number) {
    this.queue = queue;
    this.highest = startOffset;
  }

  add(messages: readonly MessageView[]): void {
    for (const m of messages) {
      this.inFlight.set(m.queueOffset, m);
      this.bytes += m.body.length;
      if (m.queueOffset + 1 > this.highest) this.highest = m.queueOffset + 1;
    }
  }

  finish(message: MessageView): void {
    if (this.inFlight.delete(message.queueOffset)) this.bytes -= message.body.length;
  }

  /** Moves the commit point past a stretch the broker skipped (filtered or moved offsets). */
  advanceTo(offset: number): void {
    if (offset > this.highest) this.highest = offset;
  }

  /** The offset to commit: the lowest unfinished one, or the next after everything taken. */
  commitOffset(): number {
    for (const offset of this.inFlight.keys()) return offset;
    return this.highest;
  }

  /** The lowest unfinished message (orderly consumption takes them in this order). */
  first(): MessageView | undefined {
    for (const m of this.inFlight.values()) return m;
    return undefined;
  }

  get count(): number {
    return this.inFlight.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }
}
