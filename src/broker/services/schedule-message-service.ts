import { join } from 'node:path';
import type { Logger } from 'pino';
import { decodeRecord, recordLayout } from '../../common/message/message-ext-codec.ts';
import { restoreForAppend } from '../stored-message.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { SystemTopic } from '../../common/constants/topic-validator.ts';
import { PutMessageStatus, type QueueStore } from '../../store/api.ts';
import { readJsonFile, writeJsonFile } from '../managers/json-file.ts';

const BATCH = 32;
const PERSIST_INTERVAL_MS = 10000;
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Delivers delay-level messages (RocketMQ's ScheduleMessageService): each level has one queue of
 * SCHEDULE_TOPIC_XXXX, in store-time order, so a level is due in order. The service reads each
 * queue from its persisted offset (`config/delayOffset.json`), moves due messages back to their
 * real topic and queue, and sleeps until the next one is due. Offsets advance only after the
 * message is stored again, and are written after each run that moved them: a restart repeats at
 * most the deliveries of the run cut off (at-least-once).
 */
export class ScheduleMessageService {
  private readonly store: QueueStore;
  private readonly delays: readonly number[];
  private readonly path: string;
  private readonly logger: Logger;
  private readonly offsets = new Map<number, number>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly running = new Set<number>();
  private persistTimer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(store: QueueStore, delays: readonly number[], storeRoot: string, logger: Logger) {
    this.store = store;
    this.delays = delays;
    this.path = join(storeRoot, 'config', 'delayOffset.json');
    this.logger = logger;
  }

  start(): void {
    const file = readJsonFile<{ offsetTable?: Record<string, number> }>(this.path);
    for (const [level, offset] of Object.entries(file?.offsetTable ?? {}))
      this.offsets.set(Number(level), offset);
    this.stopped = false;
    for (let level = 1; level <= this.delays.length; level++) this.schedule(level, 0);
    this.persistTimer = setInterval(() => this.persist(), PERSIST_INTERVAL_MS);
  }

  /** A message arrived in a level's queue: deliver it when due (levels sleeping on nothing wake up). */
  wake(level: number): void {
    if (!this.stopped && !this.timers.has(level) && !this.running.has(level))
      this.schedule(level, 0);
  }

  private schedule(level: number, inMs: number): void {
    const prev = this.timers.get(level);
    if (prev) clearTimeout(prev);
    this.timers.set(
      level,
      setTimeout(
        () => {
          this.timers.delete(level);
          void this.deliver(level);
        },
        Math.max(0, inMs),
      ),
    );
  }

  private async deliver(level: number): Promise<void> {
    if (this.stopped || this.running.has(level)) return;
    this.running.add(level);
    const startedAt = this.offsets.get(level);
    try {
      const delay = this.delays[level - 1] ?? 0;
      let offset = this.offsets.get(level) ?? 0;
      const min = this.store.getMinOffsetInQueue(SystemTopic.SCHEDULE_TOPIC, level - 1);
      if (offset < min) offset = min;
      for (;;) {
        const got = this.store.getMessage({
          topic: SystemTopic.SCHEDULE_TOPIC,
          queueId: level - 1,
          offset,
          maxMsgNums: BATCH,
        });
        if (got.messages.length === 0) {
          this.offsets.set(level, got.nextBeginOffset > offset ? got.nextBeginOffset : offset);
          return; // nothing waiting: an arrival wakes this level
        }
        for (let i = 0; i < got.messages.length; i++) {
          if (this.stopped) return;
          const record = got.messages[i] as Buffer;
          const msg = decodeRecord(record);
          const due = msg.storeTimestamp + delay;
          const now = Date.now();
          if (due > now) {
            this.offsets.set(level, offset);
            this.schedule(level, due - now);
            return;
          }
          const props = new Map(msg.properties);
          const topic = props.get(MessageConst.PROPERTY_REAL_TOPIC) ?? msg.topic;
          const queueId = Number(props.get(MessageConst.PROPERTY_REAL_QUEUE_ID) ?? 0);
          props.delete(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
          props.delete(MessageConst.PROPERTY_REAL_TOPIC);
          props.delete(MessageConst.PROPERTY_REAL_QUEUE_ID);
          const storeHostAt = recordLayout(msg.sysFlag);
          const put = await this.store.putMessage(
            restoreForAppend(
              record,
              msg,
              props,
              record.subarray(
                storeHostAt.storeHost,
                storeHostAt.storeHost + storeHostAt.storeHostLength,
              ),
              {
                topic,
                queueId,
              },
            ),
          );
          if (
            put.status !== PutMessageStatus.PUT_OK &&
            put.status !== PutMessageStatus.FLUSH_DISK_TIMEOUT
          ) {
            this.logger.warn(
              { level, status: put.status, remark: put.remark },
              'Delayed delivery failed; retrying',
            );
            this.offsets.set(level, offset);
            this.schedule(level, RETRY_AFTER_FAILURE_MS);
            return;
          }
          offset = (got.queueOffsets[i] ?? offset) + 1;
          this.offsets.set(level, offset);
        }
        offset = Math.max(offset, got.nextBeginOffset);
      }
    } catch (err) {
      this.logger.error({ err, level }, 'Schedule delivery failed');
      this.schedule(level, RETRY_AFTER_FAILURE_MS);
    } finally {
      this.running.delete(level);
      // Progress goes to disk after every run that moved it: a crash repeats at most what was
      // delivered since (one small atomic write per run, not per message).
      if (this.offsets.get(level) !== startedAt) this.persist();
    }
  }

  /** Each delay level's progress in SCHEDULE_TOPIC_XXXX (its queue offset), level -> offset. */
  offsetsSnapshot(): Record<string, number> {
    return Object.fromEntries(this.offsets);
  }

  /**
   * A slave takes its master's delay progress (SlaveSynchronize), so that promoted it starts
   * from there instead of replaying every level.
   */
  replaceOffsets(offsetTable: Record<string, number>): void {
    this.offsets.clear();
    for (const [level, offset] of Object.entries(offsetTable))
      if (Number.isSafeInteger(offset)) this.offsets.set(Number(level), offset);
    this.persist();
  }

  persist(): void {
    writeJsonFile(this.path, { offsetTable: Object.fromEntries(this.offsets) });
  }

  shutdown(): void {
    this.stopped = true;
    if (this.persistTimer) clearInterval(this.persistTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.persist();
  }
}
