import type { Logger } from 'pino';
import { decodeRecord, recordLayout } from '../../common/message/message-ext-codec.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { PutMessageStatus } from '../../store/api.ts';
import type { MessageStore } from '../../store/message-store.ts';
import { restoreForAppend } from '../stored-message.ts';

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
  private readonly store: MessageStore;
  private readonly logger: Logger;

  constructor(store: MessageStore, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  start(): void {
    this.store.timer?.start((records) => this.deliver(records));
  }

  private async deliver(records: Buffer[]): Promise<void> {
    const puts = records.map((record) => {
      const msg = decodeRecord(record);
      const props = new Map(msg.properties);
      const topic = props.get(MessageConst.PROPERTY_REAL_TOPIC) ?? msg.topic;
      const queueId = Number(props.get(MessageConst.PROPERTY_REAL_QUEUE_ID) ?? 0);
      for (const key of STEERING) props.delete(key);
      const layout = recordLayout(msg.sysFlag);
      const storeHost = record.subarray(
        layout.storeHost,
        layout.storeHost + layout.storeHostLength,
      );
      return this.store.putMessage(
        restoreForAppend(record, msg, props, storeHost, { topic, queueId }),
      );
    });
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
