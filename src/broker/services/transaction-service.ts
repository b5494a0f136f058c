import type { Logger } from 'pino';
import { decodeRecord } from '../../common/message/message-ext-codec.ts';
import type { MessageExt, MessageExtBrokerInner } from '../../common/message/message-ext.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { encodeProperties, findProperty } from '../../common/message/message-properties.ts';
import { tagsHashCode } from '../../common/message/java-hash.ts';
import { createOffsetMessageId } from '../../common/message/message-id.ts';
import { SystemTopic } from '../../common/constants/topic-validator.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import { parkInSystemTopic, restoreForAppend } from '../stored-message.ts';
import { PutMessageStatus, type PutMessageResult, type QueueStore } from '../../store/api.ts';
import type { ProducerManager } from '../managers/producer-manager.ts';
import type { BrokerConfig } from '../broker-config.ts';

const CHECK_TIMES = 'TRANSACTION_CHECK_TIMES';

/**
 * Transactional (half) messages, as RocketMQ stores them: a prepared message waits, invisible, in
 * RMQ_SYS_TRANS_HALF_TOPIC; END_TRANSACTION commits it (restored to its real topic and queue) or
 * rolls it back, and writes an op record to RMQ_SYS_TRANS_OP_HALF_TOPIC naming the half offset.
 * A half message with no op after `transactionTimeOut` is checked back with a live producer of its
 * group; after `transactionCheckMax` checks it goes to TRANS_CHECK_MAX_TIME_TOPIC.
 */
export class TransactionService {
  private readonly store: QueueStore;
  private readonly producers: ProducerManager;
  private readonly config: BrokerConfig;
  private readonly logger: Logger;
  private readonly storeHost: () => Uint8Array;
  /** Half-queue offsets that have an op record (resolved). */
  private readonly resolved = new Set<number>();
  private scanFrom = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    store: QueueStore,
    producers: ProducerManager,
    config: BrokerConfig,
    storeHost: () => Uint8Array,
    logger: Logger,
  ) {
    this.store = store;
    this.producers = producers;
    this.config = config;
    this.storeHost = storeHost;
    this.logger = logger;
  }

  /** Rebuilds the resolved set from the op topic, then checks back periodically. */
  start(): void {
    for (let offset = 0; ;) {
      const got = this.store.getMessage({
        topic: SystemTopic.TRANS_OP_HALF,
        queueId: 0,
        offset,
        maxMsgNums: 256,
      });
      if (got.messages.length === 0) break;
      for (const record of got.messages)
        this.resolved.add(Number(decodeRecord(record).body.toString()));
      offset = got.nextBeginOffset;
    }
    this.timer = setInterval(() => void this.check(), this.config.transactionCheckInterval);
  }

  /** Turns a prepared message into a half message (the send path calls this). */
  toHalf(msg: MessageExtBrokerInner, producerGroup: string): MessageExtBrokerInner {
    const hasGroup =
      findProperty(msg.propertiesString, MessageConst.PROPERTY_PRODUCER_GROUP) !== undefined;
    return parkInSystemTopic(
      msg,
      { topic: SystemTopic.TRANS_HALF, queueId: 0, tagsCode: 0 },
      hasGroup ? [] : [[MessageConst.PROPERTY_PRODUCER_GROUP, producerGroup]],
    );
  }

  /** END_TRANSACTION: commit restores the message to its topic; both outcomes record an op. */
  async end(
    commitLogOffset: number,
    halfOffset: number,
    outcome: number,
  ): Promise<{ ok: boolean; remark?: string }> {
    if (outcome === MessageSysFlag.TRANSACTION_NOT_TYPE) return { ok: true };
    const record = this.store.lookMessageByOffset(commitLogOffset);
    if (!record)
      return { ok: false, remark: `No half message at CommitLog offset ${commitLogOffset}` };
    const half = decodeRecord(record);
    if (half.topic !== SystemTopic.TRANS_HALF)
      return { ok: false, remark: `The message at ${commitLogOffset} is not a half message` };
    if (this.resolved.has(half.queueOffset)) return { ok: true }; // already ended: idempotent
    if (outcome === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
      const put = await this.store.putMessage(this.restore(half, record));
      if (!stored(put))
        return {
          ok: false,
          remark: `Cannot store the committed message: ${put.status} ${put.remark ?? ''}`,
        };
    }
    await this.markResolved(half.queueOffset);
    return { ok: true };
  }

  private restore(half: MessageExt, record: Buffer, topic?: string): MessageExtBrokerInner {
    const props = new Map(half.properties);
    const realTopic = topic ?? props.get(MessageConst.PROPERTY_REAL_TOPIC) ?? half.topic;
    const queueId = topic ? 0 : Number(props.get(MessageConst.PROPERTY_REAL_QUEUE_ID) ?? 0);
    for (const k of [
      MessageConst.PROPERTY_REAL_TOPIC,
      MessageConst.PROPERTY_REAL_QUEUE_ID,
      MessageConst.PROPERTY_TRANSACTION_PREPARED,
      CHECK_TIMES,
    ]) {
      props.delete(k);
    }
    return restoreForAppend(
      record,
      half,
      props,
      this.storeHost(),
      { topic: realTopic, queueId },
      {
        sysFlag: (half.sysFlag & ~0xc) | MessageSysFlag.TRANSACTION_COMMIT_TYPE,
        preparedTransactionOffset: half.commitLogOffset,
      },
    );
  }

  private async markResolved(halfOffset: number): Promise<void> {
    this.resolved.add(halfOffset);
    await this.store.putMessage({
      topic: SystemTopic.TRANS_OP_HALF,
      queueId: 0,
      flag: 0,
      body: Buffer.from(String(halfOffset)),
      propertiesString: encodeProperties({ TAGS: 'd' }),
      tagsCode: tagsHashCode('d'),
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: this.storeHost(),
      storeHost: this.storeHost(),
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    });
  }

  /** One check-back pass over unresolved half messages older than transactionTimeOut. */
  async check(now = Date.now()): Promise<void> {
    let offset = Math.max(this.scanFrom, this.store.getMinOffsetInQueue(SystemTopic.TRANS_HALF, 0));
    for (;;) {
      const got = this.store.getMessage({
        topic: SystemTopic.TRANS_HALF,
        queueId: 0,
        offset,
        maxMsgNums: 64,
      });
      if (got.messages.length === 0) return;
      for (let i = 0; i < got.messages.length; i++) {
        const record = got.messages[i] as Buffer;
        const half = decodeRecord(record);
        if (this.resolved.has(half.queueOffset)) {
          if (half.queueOffset === this.scanFrom) this.scanFrom++;
          continue;
        }
        if (half.storeTimestamp + this.config.transactionTimeOut > now) return; // newer ones are younger still
        const times = Number(half.properties.get(CHECK_TIMES) ?? 0);
        if (times >= this.config.transactionCheckMax) {
          await this.store.putMessage(this.restore(half, record, SystemTopic.TRANS_CHECK_MAX_TIME));
          await this.markResolved(half.queueOffset);
          this.logger.warn(
            { msgId: half.properties.get('UNIQ_KEY'), times },
            'Half message checked too often; moved to TRANS_CHECK_MAX_TIME_TOPIC',
          );
          continue;
        }
        // Re-append with one more check counted, retire this copy, and ask a live producer.
        const props = new Map(half.properties);
        props.set(CHECK_TIMES, String(times + 1));
        const again = await this.store.putMessage({
          ...this.restore(half, record, SystemTopic.TRANS_HALF),
          propertiesString: encodeProperties(props),
          sysFlag: half.sysFlag,
          tagsCode: 0,
        });
        await this.markResolved(half.queueOffset);
        const append = again.appendResult;
        if (!append) continue;
        const group = half.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP) ?? '';
        const stored = this.store.lookMessageByOffset(append.wroteOffset);
        const channel = this.producers.channels(group)[0];
        // No producer of the group is connected: the next pass asks again.
        if (!channel || !stored) continue;
        channel.connection.checkTransactionState({
          half: stored,
          realTopic: half.properties.get(MessageConst.PROPERTY_REAL_TOPIC) ?? '',
          commitLogOffset: append.wroteOffset,
          tranStateTableOffset: append.logicsOffset,
          msgId: half.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? '',
          offsetMsgId: createOffsetMessageId(this.storeHost(), append.wroteOffset),
        });
      }
      offset = got.nextBeginOffset;
    }
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function stored(put: PutMessageResult): boolean {
  return (
    put.status === PutMessageStatus.PUT_OK || put.status === PutMessageStatus.FLUSH_DISK_TIMEOUT
  );
}
