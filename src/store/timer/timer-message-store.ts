import type { Logger } from 'pino';
import { RmqError } from '../../common/errors/rmq-error.ts';
import type { TimerDelivery, TimerScheduler, TimerStats } from '../api.ts';
import { TimerLog, type TimerRecord } from './timer-log.ts';
import { TimerWheel } from './timer-wheel.ts';
import { readTimerCheckpoint, writeTimerCheckpoint } from './timer-checkpoint.ts';

/** The timer topic's queue, as the store sees it: units carry the due time in their tags code. */
export interface TimerSource {
  minOffset(): number;
  maxOffset(): number;
  /** Visits up to `max` units from `offset`; returns the offset after the last one visited. */
  units(
    offset: number,
    max: number,
    visit: (commitLogOffset: number, size: number, deliverMs: number) => void,
  ): number;
  record(commitLogOffset: number): Buffer | undefined;
}

export interface TimerMessageStoreOptions {
  logDir: string;
  checkPath: string;
  fileSize: number;
  slots: number;
  precisionMs: number;
  flushIntervalMs: number;
  source: TimerSource;
  logger: Logger;
}

const ENQUEUE_BATCH = 4096;
const DELIVER_CHUNK = 256;
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Timer messages (RocketMQ 5's TimerMessageStore). The broker stores a timer message in the timer
 * topic with its due time as the ConsumeQueue tags code; this engine enqueues each unit into the
 * timer log and wheel (slot = the first precision boundary at or after the due time), and a
 * dequeue loop walks the slots in time order, handing each slot's records to the broker in chunks
 * (yielding between chunks, so a crowded second does not stall other work). A message due beyond
 * the wheel's window waits in its last slot and is rolled forward when that slot comes.
 *
 * Durability: `timercheck` holds a snapshot taken between slots (enqueue offset, dequeue time,
 * timer log end), written after the timer log is synced. Recovery truncates the log to the
 * snapshot, rebuilds the wheel from the log, and re-enqueues the topic from the snapshot's offset:
 * nothing is lost, and a crash repeats at most the slot that was being delivered (every slot
 * that delivered anything is checkpointed when it completes).
 */
export class TimerMessageStore implements TimerScheduler {
  private readonly o: TimerMessageStoreOptions;
  private readonly log: TimerLog;
  private readonly wheel: TimerWheel;
  private readonly rec: TimerRecord = {
    prevPos: 0,
    slotTimeMs: 0,
    commitLogOffset: 0,
    size: 0,
    deliverMs: 0,
  };
  /** Latest slot time of any record in each log file, by file start: files wholly past are deleted. */
  private readonly fileMaxSlot = new Map<number, number>();
  private enqueueOffset = 0;
  private dequeueTimeMs = 0;
  private processing = false;
  private running = false;
  private deliver: TimerDelivery | undefined;
  private enqueueScheduled = false;
  private dequeueTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private lastCheckpointAt = 0;
  private stopAfterSlot = false;
  /** A slot was cut off by shutdown: the last snapshot stays the consistent one. */
  private cutOff = false;
  private counters = { enqueued: 0, delivered: 0, rolled: 0, missing: 0 };

  constructor(options: TimerMessageStoreOptions) {
    this.o = options;
    this.log = new TimerLog(options.logDir, options.fileSize);
    this.wheel = new TimerWheel(options.slots, options.precisionMs);
  }

  /** Recovers from the last snapshot; the store calls this after its own recovery. */
  load(): void {
    const check = readTimerCheckpoint(this.o.checkPath);
    const p = this.o.precisionMs;
    this.dequeueTimeMs = check?.dequeueTimeMs ?? Math.floor(Date.now() / p) * p;
    this.dequeueTimeMs -= this.dequeueTimeMs % p;
    this.enqueueOffset = check?.enqueueOffset ?? 0;
    this.log.load(check?.timerLogEnd ?? 0);
    let live = 0;
    this.log.scan((pos, rec) => {
      this.noteFile(pos, rec.slotTimeMs);
      if (rec.slotTimeMs < this.dequeueTimeMs) return;
      this.wheel.link(rec.slotTimeMs, pos);
      live++;
    });
    if (
      live > 0 &&
      check &&
      (check.precisionMs !== this.o.precisionMs || check.slots !== this.o.slots)
    ) {
      throw new RmqError(
        'CONFIG_INVALID_VALUE',
        `${live} timer messages are pending in a wheel of ${check.slots} slots of ${check.precisionMs} ms, ` +
          `but timerRollWindowSlots=${this.o.slots} and timerPrecisionMs=${this.o.precisionMs} now; ` +
          'set them back until the pending timers are delivered',
      );
    }
    const min = this.o.source.minOffset();
    const max = this.o.source.maxOffset();
    if (this.enqueueOffset < min) this.enqueueOffset = min;
    if (this.enqueueOffset > max) this.enqueueOffset = max;
    this.o.logger.info(
      {
        pending: live,
        enqueueOffset: this.enqueueOffset,
        toEnqueue: max - this.enqueueOffset,
        dequeueTimeMs: this.dequeueTimeMs,
      },
      'Timer wheel recovered',
    );
  }

  start(deliver: TimerDelivery): void {
    this.deliver = deliver;
    this.running = true;
    this.lastCheckpointAt = Date.now();
    this.wake();
    this.armDequeue();
  }

  get stats(): TimerStats {
    return {
      pending: this.wheel.size,
      enqueued: this.counters.enqueued,
      delivered: this.counters.delivered,
      rolled: this.counters.rolled,
      missing: this.counters.missing,
      dequeueTimeMs: this.dequeueTimeMs,
      enqueueLag: this.o.source.maxOffset() - this.enqueueOffset,
    };
  }

  /** New units in the timer topic: enqueue them on the next turn. */
  wake(): void {
    if (!this.running || this.enqueueScheduled) return;
    this.enqueueScheduled = true;
    setImmediate(() => {
      this.enqueueScheduled = false;
      this.enqueue();
    });
  }

  private enqueue(): void {
    if (!this.running) return;
    const min = this.o.source.minOffset();
    if (this.enqueueOffset < min) this.enqueueOffset = min;
    const next = this.o.source.units(this.enqueueOffset, ENQUEUE_BATCH, (phy, size, deliverMs) =>
      this.add(phy, size, deliverMs),
    );
    this.counters.enqueued += next - this.enqueueOffset;
    this.enqueueOffset = next;
    this.log.writeOut();
    if (next < this.o.source.maxOffset()) this.wake();
  }

  /** Puts one message into the slot it is due in (or the window's last slot, to roll later). */
  private add(commitLogOffset: number, size: number, deliverMs: number): void {
    const p = this.o.precisionMs;
    const earliest = this.processing ? this.dequeueTimeMs + p : this.dequeueTimeMs;
    let slot = Math.max(this.wheel.ceil(deliverMs), earliest);
    const lastInWindow = this.dequeueTimeMs + this.wheel.windowMs - p;
    if (slot > lastInWindow) slot = lastInWindow;
    const pos = this.log.endOffset;
    const prev = this.wheel.link(slot, pos);
    this.log.append(prev, slot, commitLogOffset, size, deliverMs);
    this.noteFile(pos, slot);
  }

  private noteFile(pos: number, slotTimeMs: number): void {
    const file = pos - (pos % this.log.fileSize);
    if ((this.fileMaxSlot.get(file) ?? -1) < slotTimeMs) this.fileMaxSlot.set(file, slotTimeMs);
  }

  private armDequeue(): void {
    if (!this.running || this.stopAfterSlot) return;
    const wait = Math.max(0, this.dequeueTimeMs - Date.now());
    this.dequeueTimer = setTimeout(() => {
      this.dequeueTimer = undefined;
      this.loop = this.runDue().catch((err: unknown) => {
        this.o.logger.error({ err }, 'Timer delivery loop failed');
      });
      void this.loop.then(() => this.armDequeue());
    }, wait);
  }

  /** Delivers every slot that is due, in time order, checkpointing between slots. */
  private async runDue(): Promise<void> {
    while (this.running && !this.stopAfterSlot && this.dequeueTimeMs <= Date.now()) {
      const slot = this.dequeueTimeMs;
      const delivering = this.wheel.countAt(slot) > 0;
      this.processing = true;
      const complete = await this.deliverSlot(slot).finally(() => {
        this.processing = false;
      });
      if (!complete) {
        // Cut off by shutdown: the slot is delivered again after a restart.
        this.cutOff = true;
        return;
      }
      this.wheel.clear(slot);
      this.dequeueTimeMs = slot + this.o.precisionMs;
      // A slot that delivered is checkpointed at once, so a crash repeats at most that slot.
      if (delivering || Date.now() - this.lastCheckpointAt >= this.o.flushIntervalMs)
        await this.checkpoint();
    }
  }

  /** Delivers one slot; false when shutdown cut it off. */
  private async deliverSlot(slot: number): Promise<boolean> {
    let pos = this.wheel.last(slot);
    if (pos < 0) return true;
    this.log.writeOut();
    // Walk the chain newest to oldest, then deliver oldest first.
    const phys: number[] = [];
    const deliverAt: number[] = [];
    const sizes: number[] = [];
    const minPos = this.log.minOffset;
    while (pos >= minPos) {
      const rec = this.log.read(pos, this.rec);
      phys.push(rec.commitLogOffset);
      sizes.push(rec.size);
      deliverAt.push(rec.deliverMs);
      pos = rec.prevPos;
    }
    let chunk: Buffer[] = [];
    for (let i = phys.length - 1; i >= 0; i--) {
      const phy = phys[i] as number;
      const due = deliverAt[i] as number;
      if (due > slot) {
        // Beyond the window when it was enqueued: move it closer (or into its own slot).
        this.add(phy, sizes[i] as number, due);
        this.counters.rolled++;
        continue;
      }
      const record = this.o.source.record(phy);
      if (!record) {
        this.counters.missing++;
        this.o.logger.warn(
          { commitLogOffset: phy, slot },
          'Timer message is gone from the CommitLog; skipped',
        );
        continue;
      }
      chunk.push(record);
      if (chunk.length >= DELIVER_CHUNK) {
        if (!(await this.deliverChunk(chunk))) return false;
        chunk = [];
      }
    }
    this.log.writeOut();
    return chunk.length === 0 || this.deliverChunk(chunk);
  }

  /** Hands one chunk to the broker, retrying until it is stored; then yields to other work. */
  private async deliverChunk(records: Buffer[]): Promise<boolean> {
    const deliver = this.deliver;
    if (!deliver) return false;
    for (;;) {
      try {
        await deliver(records);
        this.counters.delivered += records.length;
        break;
      } catch (err) {
        this.o.logger.warn({ err, count: records.length }, 'Timer delivery failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_FAILURE_MS));
        if (this.stopAfterSlot) return false;
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    return true;
  }

  /** Syncs the timer log, then records a consistent snapshot; drops log files wholly delivered. */
  private async checkpoint(): Promise<void> {
    const snapshot = {
      enqueueOffset: this.enqueueOffset,
      dequeueTimeMs: this.dequeueTimeMs,
      timerLogEnd: this.log.endOffset,
      precisionMs: this.o.precisionMs,
      slots: this.o.slots,
    };
    this.lastCheckpointAt = Date.now();
    await this.log.flush();
    writeTimerCheckpoint(this.o.checkPath, snapshot);
    const deleted = this.log.deleteLeading(
      (from) => (this.fileMaxSlot.get(from) ?? -1) < snapshot.dequeueTimeMs,
    );
    if (deleted > 0) {
      for (const key of this.fileMaxSlot.keys())
        if (key < this.log.minOffset) this.fileMaxSlot.delete(key);
    }
  }

  /** Stops after the slot in hand is delivered, then writes the final snapshot. */
  async shutdown(): Promise<void> {
    if (!this.deliver) {
      this.log.close();
      return;
    }
    if (this.dequeueTimer) clearTimeout(this.dequeueTimer);
    this.dequeueTimer = undefined;
    // Finish the slot in hand (stopping mid-slot would repeat it after the restart).
    const inHand = this.loop;
    this.stopAfterSlot = true;
    if (inHand) await inHand;
    this.running = false;
    if (this.dequeueTimer) clearTimeout(this.dequeueTimer);
    if (!this.cutOff) await this.checkpoint();
    this.log.close();
    this.deliver = undefined;
  }
}
