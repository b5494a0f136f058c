import type { Logger } from 'pino';
import type { CommitLog } from '../commitlog/commit-log.ts';
import type { SegmentFile } from '../segment/segment-file.ts';

/** An append waiting for its bytes to be on disk. */
export interface FlushWaiter {
  endOffset: number;
  deadline: number;
  done(flushed: boolean): void;
}

/**
 * How a segment is made durable. Only tests replace it, to hold an fdatasync open or fail it and
 * see which acknowledgements wait for it; a crash test cannot, since kill -9 keeps the page cache.
 */
export interface SegmentSyncer {
  /** fdatasync on the libuv pool. */
  datasync(file: SegmentFile): Promise<void>;
  /** fdatasync on the event loop. */
  datasyncSync(file: SegmentFile): void;
}

const FDATASYNC: SegmentSyncer = Object.freeze({
  datasync: (file: SegmentFile) => file.datasync(),
  datasyncSync: (file: SegmentFile) => file.datasyncSync(),
});

/** A group this small (a lone sync send) is fdatasynced on the event loop; see `await`. */
const INLINE_SYNC_MAX_BYTES = 16 * 1024;
/** ... but only while fdatasync is quick: a slow disk must not stall the event loop. */
const INLINE_SYNC_MAX_MS = 1;

/**
 * Makes the CommitLog durable. ASYNC_FLUSH: fdatasync every `intervalMs` when there is new data.
 * SYNC_FLUSH: group commit. One fdatasync covers every append written before it started, and the
 * next starts as soon as it returns if more appends are waiting; a waiter not covered within
 * `syncFlushTimeout` is told so (FLUSH_DISK_TIMEOUT) and the data is still flushed later.
 */
export class FlushCommitLogService {
  private readonly commitLog: CommitLog;
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private readonly syncer: SegmentSyncer;
  private flushed: number;
  private inFlight: Promise<void> | undefined;
  private readonly waiters: FlushWaiter[] = [];
  private timeoutTimer: NodeJS.Timeout | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  private syncCount = 0;
  /** Moving average of fdatasync time, ms. */
  private syncMs = 0;

  constructor(
    commitLog: CommitLog,
    intervalMs: number,
    logger: Logger,
    syncer: SegmentSyncer = FDATASYNC,
  ) {
    this.commitLog = commitLog;
    this.intervalMs = intervalMs;
    this.logger = logger;
    this.syncer = syncer;
    this.flushed = commitLog.writtenOffset;
  }

  /** Everything below this offset is on disk. */
  get flushedOffset(): number {
    return this.flushed;
  }

  /** fdatasync calls made so far. */
  get fdatasyncCount(): number {
    return this.syncCount;
  }

  /** After recovery: the data up to `offset` is already on disk. */
  markFlushed(offset: number): void {
    this.flushed = offset;
  }

  startPeriodic(): void {
    this.intervalTimer = setInterval(() => {
      void this.flush();
    }, this.intervalMs);
  }

  /**
   * Adds a SYNC_FLUSH waiter and starts a flush if none is running. A small group with no flush
   * running is synced right here: a round trip through the libuv pool costs about 80 us on the
   * project machine, more than half the fdatasync itself, and a lone sync send waits for all of
   * it. Larger groups go to the pool, so the event loop gathers the next group meanwhile.
   */
  await(waiter: FlushWaiter): void {
    this.waiters.push(waiter);
    if (
      !this.inFlight &&
      this.commitLog.writtenOffset - this.flushed <= INLINE_SYNC_MAX_BYTES &&
      this.syncMs < INLINE_SYNC_MAX_MS
    ) {
      this.flushInline();
      if (this.waiters.length === 0) return;
    }
    if (!this.timeoutTimer) this.armTimeout();
    void this.flush();
  }

  private flushInline(): void {
    const target = this.commitLog.writtenOffset;
    if (target > this.flushed) {
      const files = this.commitLog.segmentsBetween(this.flushed, target);
      this.syncCount += files.length;
      const started = performance.now();
      try {
        for (const f of files) this.syncer.datasyncSync(f);
        this.flushed = target;
      } catch (err) {
        this.logger.error({ err }, 'CommitLog flush failed');
      }
      this.noteSyncTime(performance.now() - started);
    }
    this.release();
  }

  private noteSyncTime(ms: number): void {
    this.syncMs = this.syncMs === 0 ? ms : this.syncMs * 0.9 + ms * 0.1;
  }

  /** Flushes what is written now; concurrent callers share the running flush and follow up. */
  flush(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const target = this.commitLog.writtenOffset;
    if (target <= this.flushed) {
      this.release();
      return Promise.resolve();
    }
    const files = this.commitLog.segmentsBetween(this.flushed, target);
    this.syncCount += files.length;
    const started = performance.now();
    this.inFlight = Promise.all(files.map((f) => this.syncer.datasync(f)))
      .then(
        () => {
          this.flushed = target;
          this.noteSyncTime(performance.now() - started);
        },
        (err: unknown) => {
          this.logger.error({ err }, 'CommitLog flush failed');
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        this.release();
        if (this.waiters.length > 0 && this.commitLog.writtenOffset > this.flushed)
          void this.flush();
      });
    return this.inFlight;
  }

  private release(): void {
    let n = 0;
    while (n < this.waiters.length && (this.waiters[n]?.endOffset ?? Infinity) <= this.flushed) n++;
    if (n === 0) return;
    const done = this.waiters.splice(0, n);
    for (const w of done) w.done(true);
    if (this.waiters.length === 0) this.disarmTimeout();
  }

  private armTimeout(): void {
    const first = this.waiters[0];
    if (!first) return;
    this.timeoutTimer = setTimeout(
      () => {
        this.timeoutTimer = undefined;
        const now = Date.now();
        let n = 0;
        while (n < this.waiters.length && (this.waiters[n]?.deadline ?? Infinity) <= now) n++;
        for (const w of this.waiters.splice(0, n)) w.done(false);
        this.armTimeout();
      },
      Math.max(1, first.deadline - Date.now()),
    );
  }

  private disarmTimeout(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.timeoutTimer = undefined;
  }

  /** Stops the timers and flushes everything, releasing all waiters. */
  async shutdown(): Promise<void> {
    if (this.intervalTimer) clearInterval(this.intervalTimer);
    this.intervalTimer = undefined;
    while (this.inFlight) await this.inFlight;
    await this.flush();
    this.disarmTimeout();
    for (const w of this.waiters.splice(0)) w.done(this.flushed >= w.endOffset);
  }
}
