import type { Logger } from 'pino';
import { writeCheckpoint } from '../checkpoint/store-checkpoint.ts';
import type { ConsumeQueueTable } from '../consumequeue/consume-queue-table.ts';
import type { ConsumeQueue } from '../consumequeue/consume-queue.ts';
import type { FlushCommitLogService } from '../flush/flush-commit-log-service.ts';
import type { IndexService } from '../index/index-service.ts';

/** A record reserved in the CommitLog's write buffer, dispatched to its queue once written. */
export interface PendingDispatch {
  cq: ConsumeQueue;
  queueOffset: number;
  offset: number;
  size: number;
  tagsCode: number;
  storeTimestamp: number;
  keys: string | undefined;
  uniqKey: string | undefined;
}

export interface QueueDispatcherOptions {
  consumeQueues: ConsumeQueueTable;
  index: IndexService;
  indexEnabled: boolean;
  flushService: FlushCommitLogService;
  checkpointPath: string;
  logger: Logger;
}

/**
 * CommitLog records into their ConsumeQueue units and IndexFile entries, and those made durable
 * with the checkpoint that says how far they cover. Records become visible in their queue only
 * once their bytes are written; a record that did not get written gives its queue offset back.
 */
export class QueueDispatcher {
  private readonly o: QueueDispatcherOptions;
  private pending: PendingDispatch[] = [];
  /** CommitLog offset up to which every record is in its queue (and index). */
  private dispatchedOffset = 0;
  private lastStoreTimestamp = 0;
  private flushInFlight: Promise<void> | undefined;

  constructor(options: QueueDispatcherOptions) {
    this.o = options;
  }

  /** After recovery: everything below the CommitLog's written offset is already dispatched. */
  markDispatched(offset: number): void {
    this.dispatchedOffset = offset;
  }

  /** A slave's copy dispatched its records up to `offset` (see reputRecords). */
  markReput(offset: number, lastStoreTimestamp: number): void {
    this.dispatchedOffset = offset;
    if (lastStoreTimestamp > 0) this.lastStoreTimestamp = lastStoreTimestamp;
  }

  add(d: PendingDispatch): void {
    this.pending.push(d);
  }

  /** Dispatches what is written below `written`; returns the queues that got messages. */
  dispatchWritten(written: number): Set<ConsumeQueue> {
    const pending = this.pending;
    this.pending = [];
    const arrived = new Set<ConsumeQueue>();
    for (const d of pending) {
      if (d.offset + d.size > written) {
        d.cq.nextAssignOffset = d.cq.maxOffset;
        continue;
      }
      d.cq.putUnit(d.queueOffset, d.offset, d.size, d.tagsCode);
      if (this.o.indexEnabled && (d.keys || d.uniqKey))
        this.o.index.put(d.cq.topic, d.keys, d.uniqKey, d.offset, d.storeTimestamp);
      this.dispatchedOffset = d.offset + d.size;
      this.lastStoreTimestamp = d.storeTimestamp;
      arrived.add(d.cq);
    }
    return arrived;
  }

  /**
   * Writes ConsumeQueue tails and index pages, fdatasyncs them and the CommitLog, then advances
   * the checkpoint to what they cover. One flush runs at a time; a call during one joins it.
   */
  flush(): Promise<void> {
    if (this.flushInFlight) return this.flushInFlight;
    const covered = this.dispatchedOffset;
    const timestamp = this.lastStoreTimestamp;
    const { consumeQueues, index, flushService } = this.o;
    const run = async (): Promise<void> => {
      const files = [];
      for (const cq of consumeQueues.all()) files.push(...cq.flush());
      await Promise.all([...files.map((f) => f.datasync()), index.flush()]);
      await flushService.flush();
      writeCheckpoint(this.o.checkpointPath, {
        physicMsgTimestamp: timestamp,
        logicsMsgTimestamp: timestamp,
        indexMsgTimestamp: timestamp,
        masterFlushedOffset: 0,
        confirmPhyOffset: flushService.flushedOffset,
        commitLogFlushedOffset: flushService.flushedOffset,
        logicsFlushedPhyOffset: covered,
        indexFlushedPhyOffset: covered,
      });
    };
    this.flushInFlight = run()
      .catch((err: unknown) => this.o.logger.error({ err }, 'ConsumeQueue flush failed'))
      .finally(() => {
        this.flushInFlight = undefined;
      });
    return this.flushInFlight;
  }

  /** Waits for a flush in flight, then runs a last one. */
  async finalFlush(): Promise<void> {
    while (this.flushInFlight) await this.flushInFlight;
    await this.flush();
  }
}
