import type { Logger } from 'pino';
import type { SegmentFile } from './segment-file.ts';

/** Bytes read per step. */
const STEP = 1024 * 1024;

/**
 * Keeps the page cache populated ahead of the CommitLog's append position, which is what
 * RocketMQ's mapped-file warming is for. A write into a page the kernel already caches is a copy
 * (several GB/s on the project machine); a write into a page it must first allocate ran at
 * 250-500 MB/s, and under batch sends that allocation was half of the broker's event-loop time.
 * The warming is done by reads on the libuv pool, so the allocation happens on another thread,
 * and a read never changes the file: it cannot race the appends, whatever their pace.
 */
export class PageCacheWarmer {
  private readonly aheadBytes: number;
  private readonly logger: Logger;
  private readonly scratch = Buffer.allocUnsafe(STEP);
  private segment: SegmentFile | undefined;
  /** Position in `segment` up to which pages were read (or written). */
  private warmedTo = 0;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(aheadBytes: number, logger: Logger) {
    this.aheadBytes = aheadBytes;
    this.logger = logger;
  }

  /** Appends reached `position` in `segment`: warm the next `aheadBytes` if not done already. */
  advance(segment: SegmentFile, position: number): void {
    if (this.stopped) return;
    if (segment !== this.segment) {
      this.segment = segment;
      this.warmedTo = position;
    } else if (this.warmedTo < position) this.warmedTo = position;
    if (this.running) return;
    const end = Math.min(segment.size, position + this.aheadBytes);
    if (this.warmedTo + STEP > end) return;
    this.running = this.warm(segment, end).finally(() => {
      this.running = undefined;
    });
  }

  private async warm(segment: SegmentFile, end: number): Promise<void> {
    try {
      while (!this.stopped && this.segment === segment && this.warmedTo < end) {
        const from = this.warmedTo;
        const n = Math.min(STEP, end - from);
        await segment.readAsync(this.scratch, 0, n, from);
        if (this.warmedTo < from + n) this.warmedTo = from + n;
      }
    } catch (err) {
      this.logger.debug({ err, file: segment.path }, 'Page cache warming stopped');
    }
  }

  /** Stops warming; resolves once no read is in progress (before the segments close). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
