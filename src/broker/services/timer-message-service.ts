import { join } from 'node:path';
import type { Logger } from 'pino';
import { readJsonFile, writeJsonFile } from '../managers/json-file.ts';
import { decodeRecord, recordLayout } from '../../common/message/message-ext-codec.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import {
  PutMessageStatus,
  type PutMessageResult,
  type MessageAppender,
  type TimerScheduler,
} from '../../store/api.ts';
import { restoreForAppend } from '../stored-message.ts';

/** The store as the timer service needs it: appends, and the timing wheel. */
type TimerStore = MessageAppender & { readonly timer: TimerScheduler | undefined };

/** Properties that only steer a timer message to its due time; the delivered copy drops them. */
const STEERING = [
  MessageConst.PROPERTY_REAL_TOPIC,
  MessageConst.PROPERTY_REAL_QUEUE_ID,
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
];

/**
 * Delivers timer messages: the store's timing wheel hands over the records of a due slot in
 * chunks, and this service stores each under its real topic and queue (same body, id, born
 * time; TIMER_OUT_MS kept so consumers see when it was due). A chunk that cannot be stored is
 * rejected as a whole and the wheel retries it.
 */
export class TimerMessageService {
  private readonly store: TimerStore;
  private readonly logger: Logger;
  private readonly recallPath: string;
  /** Recalled timer messages (UNIQ_KEY -> due time), skipped when they come due. */
  private readonly recalled = new Map<string, number>();

  constructor(store: TimerStore, storeRoot: string, logger: Logger) {
    this.store = store;
    this.logger = logger;
    this.recallPath = join(storeRoot, 'config', 'timerRecall.json');
  }

  start(): void {
    const saved = readJsonFile<Record<string, number>>(this.recallPath) ?? {};
    for (const [id, due] of Object.entries(saved)) this.recalled.set(id, due);
    this.store.timer?.start((records) => this.deliver(records));
  }

  /**
   * Cancels a timer message not yet due (RecallMessage): remembered on disk until its due time
   * passes, and dropped instead of delivered. False when it is already due.
   */
  recall(uniqKey: string, deliverMs: number): boolean {
    if (deliverMs <= Date.now()) return false;
    this.recalled.set(uniqKey, deliverMs);
    this.persistRecalls();
    return true;
  }

  private persistRecalls(): void {
    const horizon = Date.now() - 60_000;
    for (const [id, due] of this.recalled) if (due < horizon) this.recalled.delete(id);
    writeJsonFile(this.recallPath, Object.fromEntries(this.recalled));
  }

  private async deliver(records: Buffer[]): Promise<void> {
    const puts: Promise<PutMessageResult>[] = [];
    for (const record of records) {
      const msg = decodeRecord(record);
      const id = msg.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
      if (id !== undefined && this.recalled.has(id)) {
        this.logger.info({ msgId: id }, 'Recalled timer message dropped');
        continue;
      }
      const props = new Map(msg.properties);
      const topic = props.get(MessageConst.PROPERTY_REAL_TOPIC) ?? msg.topic;
      const queueId = Number(props.get(MessageConst.PROPERTY_REAL_QUEUE_ID) ?? 0);
      for (const key of STEERING) props.delete(key);
      const layout = recordLayout(msg.sysFlag);
      const storeHost = record.subarray(
        layout.storeHost,
        layout.storeHost + layout.storeHostLength,
      );
      puts.push(
        this.store.putMessage(restoreForAppend(record, msg, props, storeHost, { topic, queueId })),
      );
    }
    const results = await Promise.all(puts);
    const failed = results.filter(
      (r) =>
        r.status !== PutMessageStatus.PUT_OK && r.status !== PutMessageStatus.FLUSH_DISK_TIMEOUT,
    );
    if (failed.length > 0) {
      const first = failed[0];
      this.logger.warn(
        { failed: failed.length, of: records.length, status: first?.status },
        'Timer messages could not be stored under their topic',
      );
      throw new Error(`the store answered ${first?.status ?? 'an error'}: ${first?.remark ?? ''}`);
    }
  }

  async shutdown(): Promise<void> {
    await this.store.timer?.shutdown();
  }
}
