import {
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
} from '../../common/message/message-const.ts';
import { decodeRecord } from '../../common/message/message-ext-codec.ts';
import type { MessageExtBrokerInner } from '../../common/message/message-ext.ts';
import { parseDelayLevels } from '../../common/constants/delay-levels.ts';
import { MessageSysFlag, transactionType } from '../../common/constants/message-sys-flag.ts';
import { javaStringHash, tagsHashCode } from '../../common/message/java-hash.ts';
import { isWriteable, PermName } from '../../common/constants/perm-name.ts';
import { newTopicConfig, type TopicConfig } from '../../common/protocol-data/route-data.ts';
import {
  checkTopicName,
  dlqTopic,
  isNotAllowedSendTopic,
  retryTopic,
  RETRY_GROUP_TOPIC_PREFIX,
  SystemTopic,
} from '../../common/constants/topic-validator.ts';
import { parkInSystemTopic, restoreForAppend } from '../stored-message.ts';
import { putStatusOf } from './store-status.ts';
import type { CoreDeps } from './core-deps.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';
import { checkDeclaredKind, type DeclaredKind } from './message-kind.ts';
import { readSendProperties, type SendProperties } from './send-properties.ts';
import { parseRecallHandle } from './recall-handle.ts';

/** The region every message and send response names (RocketMQ's regionId default). */
export const BROKER_REGION = 'DefaultRegion';

export interface SendInput {
  producerGroup: string;
  topic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  propertiesString: string;
  reconsumeTimes: number;
  /** For sends to %RETRY% topics: the client's maximum (header `l`). */
  maxReconsumeTimes?: number | undefined;
  body: Buffer;
  bornHost: Uint8Array;
  /** SEND_BATCH_MESSAGE: the body holds several encoded messages. */
  batch: boolean;
  /** The kind the client declared (gRPC), checked against the topic; absent for Remoting sends. */
  declared?: DeclaredKind | undefined;
}

export interface SendOutcome extends Outcome {
  msgId?: string;
  queueId?: number;
  queueOffset?: number;
  transactionId?: string | undefined;
  /** The send never reached its broker (no connection could be made): safe to send elsewhere. */
  unsent?: boolean;
}

export interface SendBackInput {
  group: string;
  offset: number;
  delayLevel: number;
  originMsgId: string | undefined;
  maxReconsumeTimes: number | undefined;
}

/**
 * The send family: where a message really goes (its topic, a transaction half, the timer wheel, a
 * delay level queue, a retry topic or the DLQ), consumers' send-back, and ending transactions.
 */
export class SendOperations {
  private readonly d: CoreDeps;
  /** Delay of each level in ms, level 1 first (messageDelayLevel). */
  readonly delayLevels: number[];

  constructor(deps: CoreDeps) {
    this.d = deps;
    this.delayLevels = parseDelayLevels(deps.config.messageDelayLevel);
  }

  private get maxDelayLevel(): number {
    return this.delayLevels.length;
  }

  /**
   * A message with a DELAY level waits in SCHEDULE_TOPIC_XXXX (queue = level - 1) until the
   * schedule service moves it back to its real topic and queue. Levels above the table clamp.
   */
  private toSchedule(
    msg: MessageExtBrokerInner,
    delayLevel: string | undefined,
  ): MessageExtBrokerInner {
    const delay = Number(delayLevel ?? 0);
    if (!(delay > 0) || transactionType(msg.sysFlag) === MessageSysFlag.TRANSACTION_PREPARED_TYPE)
      return msg;
    const level = Math.min(Math.floor(delay), this.maxDelayLevel);
    return parkInSystemTopic(
      msg,
      {
        topic: SystemTopic.SCHEDULE_TOPIC,
        queueId: level - 1,
        tagsCode: Date.now() + (this.delayLevels[level - 1] ?? 0),
      },
      [[MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(level)]],
    );
  }

  /** The topic config to write to, auto-creating it when allowed. */
  private topicForSend(topic: string, defaultQueueNums: number): TopicConfig | Outcome {
    const existing = this.d.topics.get(topic);
    if (existing) return existing;
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      const { config } = this.d.topics.createSystemGroupTopic(topic);
      void this.d.onTopicsChanged();
      return config;
    }
    if (!this.d.config.autoCreateTopicEnable) {
      return fail(
        OperationStatus.TOPIC_NOT_EXIST,
        `topic[${topic}] not exist, apply first please! (autoCreateTopicEnable=false)`,
      );
    }
    const template = this.d.topics.get(SystemTopic.AUTO_CREATE_TOPIC_KEY);
    const queues = Math.min(
      Math.max(1, defaultQueueNums || this.d.config.defaultTopicQueueNums),
      template?.writeQueueNums ?? this.d.config.defaultTopicQueueNums,
    );
    const config = newTopicConfig(topic, queues, (template?.perm ?? 7) & ~PermName.PERM_INHERIT);
    this.d.topics.put(config);
    this.d.logger.info({ topic, queues }, 'Topic auto-created');
    void this.d.onTopicsChanged();
    return config;
  }

  async sendMessage(input: SendInput): Promise<SendOutcome> {
    if (!isWriteable(this.d.config.brokerPermission)) {
      return fail(
        OperationStatus.NO_PERMISSION,
        `the broker[${this.d.config.brokerName}] sending message is forbidden`,
      );
    }
    const bad = checkTopicName(input.topic);
    if (bad) return fail(OperationStatus.ILLEGAL_TOPIC, bad);
    if (isNotAllowedSendTopic(input.topic)) {
      return fail(
        OperationStatus.NO_PERMISSION,
        `Sending message to topic[${input.topic}] is forbidden: it is a system topic the broker writes`,
      );
    }
    if (input.body.length > this.d.store.config.maxMessageSize && !input.batch) {
      return fail(
        OperationStatus.MESSAGE_BODY_TOO_LARGE,
        `the message body is ${input.body.length} bytes, above maxMessageSize ${this.d.store.config.maxMessageSize}`,
      );
    }
    const tc = this.topicForSend(input.topic, input.defaultTopicQueueNums);
    if (!('topicName' in tc)) return tc;
    if (!isWriteable(tc.perm))
      return fail(
        OperationStatus.NO_PERMISSION,
        `the topic[${input.topic}] sending message is forbidden`,
      );
    if (input.declared) {
      const refused = checkDeclaredKind(input.declared, tc, this.d.store.config.timerMaxDelaySec);
      if (refused) return refused;
    }
    const queueId = this.queueFor(input, tc);
    if (queueId >= tc.writeQueueNums) {
      return fail(
        OperationStatus.INVALID_PARAMETER,
        `request queueId[${queueId}] is illegal, topic ${input.topic} has ${tc.writeQueueNums} write queues`,
      );
    }
    let msgs: MessageExtBrokerInner[];
    try {
      if (input.batch) msgs = this.decodeBatch(input, queueId);
      else {
        const props = readSendProperties(input.propertiesString);
        const one = this.prepare(
          input,
          this.inner(
            input,
            queueId,
            input.flag,
            this.withBrokerProperties(input.propertiesString, props),
            props,
            input.body,
          ),
          props,
        );
        if ('status' in one) return one;
        msgs = [one];
      }
    } catch (err) {
      return fail(
        OperationStatus.MESSAGE_ILLEGAL,
        `the batch body cannot be decoded: ${(err as Error).message}`,
      );
    }
    const began = Date.now();
    const result = await this.d.store.putMessages(msgs);
    const status = putStatusOf(result.status);
    const append = result.appendResult;
    if (!append) {
      this.d.stats.recordPutFailed();
      return fail(status, result.remark ?? `the store answered ${result.status}`);
    }
    this.d.stats.recordPut(input.topic, append.msgNum, append.wroteBytes, Date.now() - began);
    return {
      status,
      msgId: append.msgIds.join(','),
      queueId,
      queueOffset: append.logicsOffset,
      transactionId: msgs[0]?.uniqKey,
      ...(status !== OperationStatus.SUCCESS ? { remark: result.status } : {}),
    };
  }

  /**
   * Every stored message carries its broker's cluster (CLUSTER), region (MSG_REGION) and trace
   * switch (TRACE_ON), as on RocketMQ: a consumer's reply to a request goes to
   * <cluster>_REPLY_TOPIC, and a tracing consumer (the Java client's) records nothing without a
   * region. A value the client set is kept.
   */
  private withBrokerProperties(properties: string, props: SendProperties): string {
    let added = '';
    const add = (name: string, value: string): void => {
      added += `${name}${NAME_VALUE_SEPARATOR}${value}${PROPERTY_SEPARATOR}`;
    };
    if (props.cluster === undefined)
      add(MessageConst.PROPERTY_CLUSTER, this.d.config.brokerClusterName);
    if (props.region === undefined) add(MessageConst.PROPERTY_MSG_REGION, BROKER_REGION);
    if (props.traceOn === undefined) add(MessageConst.PROPERTY_TRACE_SWITCH, 'true');
    if (added === '') return properties;
    const sep =
      properties === '' || properties.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
    return `${properties}${sep}${added}`;
  }

  /**
   * The queue a send goes to: the client's choice, else one fixed per FIFO message group (so a
   * group stays in order), else any.
   */
  private queueFor(input: SendInput, tc: TopicConfig): number {
    if (input.queueId >= 0) return input.queueId;
    const group = input.declared?.group;
    if (group) return Math.abs(javaStringHash(group)) % Math.max(1, tc.writeQueueNums);
    return Math.floor(Math.random() * tc.writeQueueNums);
  }

  private inner(
    input: SendInput,
    queueId: number,
    flag: number,
    propertiesString: string,
    props: SendProperties,
    body: Buffer,
  ): MessageExtBrokerInner {
    return {
      topic: input.topic,
      queueId,
      flag,
      body,
      propertiesString,
      tagsCode: tagsHashCode(props.tags),
      sysFlag: input.sysFlag,
      bornTimestamp: input.bornTimestamp,
      bornHost: input.bornHost,
      storeHost: this.d.storeHost,
      reconsumeTimes: input.reconsumeTimes,
      preparedTransactionOffset: 0,
      keys: props.keys,
      uniqKey: props.uniqKey,
    };
  }

  /** Where a single send really goes: a half message, the timer wheel, a delay queue, the DLQ, or its topic. */
  private prepare(
    input: SendInput,
    msg: MessageExtBrokerInner,
    props: SendProperties,
  ): MessageExtBrokerInner | Outcome {
    const prepared =
      transactionType(input.sysFlag) === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      props.transactionPrepared;
    if (prepared)
      return this.d.transactions.toHalf(
        { ...msg, sysFlag: (msg.sysFlag & ~0xc) | MessageSysFlag.TRANSACTION_PREPARED_TYPE },
        input.producerGroup,
      );
    if (props.timer) return this.toTimer(msg, props.timer);
    return this.toSchedule(this.retryOrDlq(input, msg), props.delayLevel);
  }

  /**
   * A message with TIMER_DELIVER_MS (absolute), TIMER_DELAY_SEC or TIMER_DELAY_MS waits in the
   * timer topic (due time as tags code, TIMER_OUT_MS) until the timing wheel delivers it. A due
   * time already past is delivered at once; one beyond timerMaxDelaySec is refused.
   */
  private toTimer(
    msg: MessageExtBrokerInner,
    { name, value }: { name: string; value: string },
  ): MessageExtBrokerInner | Outcome {
    const store = this.d.store.config;
    if (!store.timerWheelEnable)
      return fail(
        OperationStatus.MESSAGE_ILLEGAL,
        `timer messages are disabled on this broker (timerWheelEnable=false); the message has ${name}`,
      );
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      return fail(OperationStatus.MESSAGE_ILLEGAL, `the property ${name}=${value} is not a number`);
    const now = Date.now();
    const deliverMs = Math.floor(
      name === MessageConst.PROPERTY_TIMER_DELIVER_MS
        ? n
        : name === MessageConst.PROPERTY_TIMER_DELAY_SEC
          ? now + n * 1000
          : now + n,
    );
    if (deliverMs - now > store.timerMaxDelaySec * 1000)
      return fail(
        OperationStatus.ILLEGAL_DELIVERY_TIME,
        `the timer message is due in ${Math.ceil((deliverMs - now) / 1000)} s (${name}=${value}), beyond timerMaxDelaySec ${store.timerMaxDelaySec}`,
      );
    if (deliverMs <= now) return msg;
    return parkInSystemTopic(msg, { topic: SystemTopic.TIMER, queueId: 0, tagsCode: deliverMs }, [
      [MessageConst.PROPERTY_TIMER_OUT_MS, String(deliverMs)],
    ]);
  }

  /**
   * A client sending straight to %RETRY%group (ali-ons' fallback when send-back fails) with the
   * reconsume count at the maximum goes to the DLQ instead, as RocketMQ does.
   */
  private retryOrDlq(input: SendInput, msg: MessageExtBrokerInner): MessageExtBrokerInner {
    if (!input.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) return msg;
    const group = input.topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
    const max = input.maxReconsumeTimes ?? this.d.groups.get(group)?.retryMaxTimes ?? 16;
    if (input.reconsumeTimes < max) return msg;
    const topic = dlqTopic(group);
    if (this.d.topics.createSystemGroupTopic(topic).created) void this.d.onTopicsChanged();
    return { ...msg, topic, queueId: 0 };
  }

  /** A batch body: per message TOTALSIZE 4, MAGICCODE 4, BODYCRC 4, FLAG 4, BODY 4+n, PROPERTIES 2+n. */
  private decodeBatch(input: SendInput, queueId: number): MessageExtBrokerInner[] {
    const out: MessageExtBrokerInner[] = [];
    const b = input.body;
    let p = 0;
    while (p < b.length) {
      if (p + 20 > b.length) throw new Error(`truncated message header at byte ${p}`);
      const total = b.readInt32BE(p);
      if (total < 22 || p + total > b.length)
        throw new Error(`message at byte ${p} claims ${total} bytes`);
      const flag = b.readInt32BE(p + 12);
      const bodyLength = b.readInt32BE(p + 16);
      const bodyStart = p + 20;
      if (bodyLength < 0 || bodyStart + bodyLength + 2 > p + total)
        throw new Error(`bad body length ${bodyLength} at byte ${p}`);
      if (bodyLength > this.d.store.config.maxMessageSize) {
        throw new Error(
          `a message body is ${bodyLength} bytes, above maxMessageSize ${this.d.store.config.maxMessageSize}`,
        );
      }
      const propsLength = b.readInt16BE(bodyStart + bodyLength);
      const propsStart = bodyStart + bodyLength + 2;
      const props = b.toString('utf8', propsStart, propsStart + propsLength);
      out.push(
        this.inner(
          input,
          queueId,
          flag,
          props,
          readSendProperties(props),
          b.subarray(bodyStart, bodyStart + bodyLength),
        ),
      );
      p += total;
    }
    if (out.length === 0) throw new Error('the batch holds no message');
    return out;
  }

  /** CONSUMER_SEND_MSG_BACK: the failed message goes to the group's retry topic, or its DLQ after the max. */
  async sendMessageBack(input: SendBackInput): Promise<Outcome> {
    const group = this.d.groups.findOrCreate(
      input.group,
      this.d.config.autoCreateSubscriptionGroup,
    );
    if (!group)
      return fail(
        OperationStatus.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${input.group}] does not exist`,
      );
    const record = this.d.store.lookMessageByOffset(input.offset);
    if (!record)
      return fail(OperationStatus.SYSTEM_ERROR, `look message by offset failed, ${input.offset}`);
    const msg = decodeRecord(record);
    const maxTimes = input.maxReconsumeTimes ?? group.retryMaxTimes;
    const toDlq = msg.reconsumeTimes >= maxTimes || input.delayLevel < 0;
    const topic = toDlq ? dlqTopic(input.group) : retryTopic(input.group);
    if (this.d.topics.createSystemGroupTopic(topic).created) void this.d.onTopicsChanged();
    const props = new Map(msg.properties);
    if (!props.has(MessageConst.PROPERTY_RETRY_TOPIC))
      props.set(MessageConst.PROPERTY_RETRY_TOPIC, msg.topic);
    if (!props.has(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID)) {
      props.set(
        MessageConst.PROPERTY_ORIGIN_MESSAGE_ID,
        input.originMsgId ?? props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? '',
      );
    }
    props.set(MessageConst.PROPERTY_RECONSUME_TIME, String(msg.reconsumeTimes + 1));
    // The retry waits its turn: level 3 + reconsume times (10 s, 30 s, 1 m ... 2 h), clamped.
    if (!toDlq)
      props.set(
        MessageConst.PROPERTY_DELAY_TIME_LEVEL,
        String(input.delayLevel > 0 ? input.delayLevel : 3 + msg.reconsumeTimes),
      );
    else props.delete(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
    const retry = restoreForAppend(
      record,
      msg,
      props,
      this.d.storeHost,
      { topic, queueId: 0 },
      {
        reconsumeTimes: msg.reconsumeTimes + 1,
      },
    );
    const result = await this.d.store.putMessage(
      toDlq ? retry : this.toSchedule(retry, props.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL)),
    );
    const status = putStatusOf(result.status);
    return status === OperationStatus.SUCCESS
      ? { status }
      : fail(status, result.remark ?? result.status);
  }

  /** END_TRANSACTION / EndTransaction: commit, rollback or leave unknown a half message. */
  async endTransaction(
    commitLogOffset: number,
    tranStateTableOffset: number,
    commitOrRollback: number,
  ): Promise<Outcome> {
    const r = await this.d.transactions.end(
      commitLogOffset,
      tranStateTableOffset,
      commitOrRollback,
    );
    return r.ok
      ? { status: OperationStatus.SUCCESS, ...(r.remark ? { remark: r.remark } : {}) }
      : fail(OperationStatus.ILLEGAL_TRANSACTION, r.remark ?? 'cannot end the transaction');
  }

  /**
   * RECALL_MESSAGE / RecallMessage: cancels a timer message of this broker not yet due, named by
   * the recall handle its send answered with.
   */
  recallMessage(topic: string, handle: string): Outcome & { messageId?: string } {
    const h = parseRecallHandle(handle);
    if (!h || h.topic !== topic || h.brokerName !== this.d.config.brokerName)
      return fail(
        OperationStatus.ILLEGAL_OPERATION,
        `recall failed: the recall handle does not name a timer message of ${topic} on ${this.d.config.brokerName}`,
      );
    if (!this.d.recallTimer(h.messageId, h.deliverMs))
      return fail(
        OperationStatus.ILLEGAL_OPERATION,
        `recall failed: the message ${h.messageId} was already due and delivered`,
      );
    return { status: OperationStatus.SUCCESS, messageId: h.messageId };
  }
}
