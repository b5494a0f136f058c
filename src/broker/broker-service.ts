import type { Logger } from 'pino';
import { MessageConst } from '../common/message/message-const.ts';
import { decodeRecord } from '../common/message/message-ext-codec.ts';
import type { MessageExtBrokerInner } from '../common/message/message-ext.ts';
import { findProperty } from '../common/message/message-properties.ts';
import { parseDelayLevels } from '../common/constants/delay-levels.ts';
import { MessageSysFlag, transactionType } from '../common/constants/message-sys-flag.ts';
import { javaStringHash, tagsHashCode } from '../common/message/java-hash.ts';
import { isReadable, isWriteable, PermName } from '../common/constants/perm-name.ts';
import { newTopicConfig, type TopicConfig } from '../common/protocol-data/route-data.ts';
import { parseTagExpression, type HeartbeatData } from '../common/protocol-data/heartbeat-data.ts';
import {
  checkTopicName,
  dlqTopic,
  isNotAllowedSendTopic,
  retryTopic,
  RETRY_GROUP_TOPIC_PREFIX,
  SystemTopic,
} from '../common/constants/topic-validator.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';
import type { RemotingConnection } from '../remoting/transport/remoting-connection.ts';
import type { MessageStore } from '../store/message-store.ts';
import type { MessageFilter } from '../store/api.ts';
import type { BrokerConfig } from './broker-config.ts';
import { compileSql92, type Sql92Filter } from './filter/sql92-filter.ts';
import type { TransactionService } from './services/transaction-service.ts';
import { parkInSystemTopic, restoreForAppend } from './stored-message.ts';
import { getStatusToPullCode, putStatusToResponseCode } from './put-status-mapping.ts';
import type { TopicConfigManager } from './managers/topic-config-manager.ts';
import type { SubscriptionGroupManager } from './managers/subscription-group-manager.ts';
import type { ConsumerOffsetManager } from './managers/consumer-offset-manager.ts';
import type { ConsumerManager } from './managers/consumer-manager.ts';
import type { ProducerManager } from './managers/producer-manager.ts';
import type { PullRequestHoldService } from './services/pull-request-hold-service.ts';
import type { PopService, PoppedMessage } from './services/pop-service.ts';
import { POP_ORDER_REVIVE_QUEUE } from './services/pop-service.ts';

/** Outcome of an operation in protocol terms: a response code and a remark on failure. */
export interface Outcome {
  code: number;
  remark?: string;
}

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
}

export interface SendOutcome extends Outcome {
  msgId?: string;
  queueId?: number;
  queueOffset?: number;
  transactionId?: string | undefined;
}

export interface PullInput {
  group: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMsgNums: number;
  maxMsgBytes?: number | undefined;
  /** The subscription expression from the request (PullSysFlag SUBSCRIPTION), or undefined to use the heartbeat's. */
  subscription: string | undefined;
  expressionType: string | undefined;
  commitOffset: number | undefined;
  suspendTimeoutMillis: number;
  /**
   * Called once with an abort function: the caller aborts a held pull when its connection closes;
   * it may return a function that unregisters the abort once the pull is answered.
   */
  onHold?: (abort: () => void) => (() => void) | void;
}

export interface PullOutcome extends Outcome {
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  body?: Buffer;
  messageCount: number;
}

export interface BrokerServiceDeps {
  config: BrokerConfig;
  store: MessageStore;
  topics: TopicConfigManager;
  groups: SubscriptionGroupManager;
  offsets: ConsumerOffsetManager;
  consumers: ConsumerManager;
  producers: ProducerManager;
  hold: PullRequestHoldService;
  /** Set once the server listens (the port may be chosen then). */
  storeHost: Uint8Array;
  logger: Logger;
  /** Topic configs changed: tell the name servers now rather than at the next heartbeat. */
  onTopicsChanged: () => void;
  /** Half messages for transactional sends. */
  transactions: TransactionService;
  /** POP consumption state. */
  pop: PopService;
}

export interface PopInput {
  group: string;
  topic: string;
  /** -1 for any queue of the topic. */
  queueId: number;
  maxMsgNums: number;
  invisibleTime: number;
  /** Long polling: how long to wait for a message when none is visible; 0 = answer at once. */
  pollTime: number;
  /** 0: a group new to a queue starts at its first message; 1: at its end. */
  initMode: number;
  expressionType: string | undefined;
  expression: string | undefined;
  /** FIFO: a message group's messages in order, one group held while any is in flight. */
  order: boolean;
  /** Called with an abort function while the pop waits; may return a function that unregisters it. */
  onHold?: (abort: () => void) => (() => void) | void;
}

export interface PopOutcome extends Outcome {
  popTime: number;
  invisibleTime: number;
  reviveQid: number;
  restNum: number;
  messages: PoppedMessage[];
  /** Per queue id: the first offset this pop handed out. */
  startOffsets: Map<number, number>;
}

/** Most messages one pop hands out (RocketMQ's limit). */
export const POP_MAX_MSG_NUMS = 32;
/** Invisible time bounds, ms. */
export const POP_MIN_INVISIBLE_TIME = 1000;
export const POP_MAX_INVISIBLE_TIME = 12 * 3600 * 1000;
/** Longest a pop waits at the broker for a message (its pollTime is capped to this). */
export const POP_MAX_POLL_TIME = 60000;

const fail = (code: number, remark: string): Outcome => ({ code, remark });

/**
 * Protocol-neutral broker operations: the Remoting processors (and the gRPC endpoint) adapt
 * their headers to these and back. Every failure carries RocketMQ's response code and a remark
 * that names the offending value.
 */
export class BrokerService {
  private readonly d: BrokerServiceDeps;
  readonly bootTimestamp = Date.now();
  /** Delay of each level in ms, level 1 first (messageDelayLevel). */
  readonly delayLevels: number[];

  constructor(deps: BrokerServiceDeps) {
    this.d = deps;
    this.delayLevels = parseDelayLevels(deps.config.messageDelayLevel);
  }

  get maxDelayLevel(): number {
    return this.delayLevels.length;
  }

  /**
   * A message with a DELAY level waits in SCHEDULE_TOPIC_XXXX (queue = level - 1) until the
   * schedule service moves it back to its real topic and queue. Levels above the table clamp.
   */
  toSchedule(msg: MessageExtBrokerInner): MessageExtBrokerInner {
    const delay = Number(
      findProperty(msg.propertiesString, MessageConst.PROPERTY_DELAY_TIME_LEVEL) ?? 0,
    );
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

  get deps(): BrokerServiceDeps {
    return this.d;
  }

  /** The topic config to write to, auto-creating it when allowed. */
  private topicForSend(topic: string, defaultQueueNums: number): TopicConfig | Outcome {
    const existing = this.d.topics.get(topic);
    if (existing) return existing;
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      const { config } = this.d.topics.createSystemGroupTopic(topic);
      this.d.onTopicsChanged();
      return config;
    }
    if (!this.d.config.autoCreateTopicEnable) {
      return fail(
        ResponseCode.TOPIC_NOT_EXIST,
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
    this.d.onTopicsChanged();
    return config;
  }

  async sendMessage(input: SendInput): Promise<SendOutcome> {
    if (!isWriteable(this.d.config.brokerPermission)) {
      return fail(
        ResponseCode.NO_PERMISSION,
        `the broker[${this.d.config.brokerName}] sending message is forbidden`,
      );
    }
    const bad = checkTopicName(input.topic);
    if (bad) return fail(ResponseCode.MESSAGE_ILLEGAL, bad);
    if (isNotAllowedSendTopic(input.topic)) {
      return fail(
        ResponseCode.MESSAGE_ILLEGAL,
        `the topic "${input.topic}" is a system topic and clients cannot send to it`,
      );
    }
    if (input.body.length > this.d.store.config.maxMessageSize && !input.batch) {
      return fail(
        ResponseCode.MESSAGE_ILLEGAL,
        `the message body is ${input.body.length} bytes, above maxMessageSize ${this.d.store.config.maxMessageSize}`,
      );
    }
    const tc = this.topicForSend(input.topic, input.defaultTopicQueueNums);
    if (!('topicName' in tc)) return tc;
    if (!isWriteable(tc.perm))
      return fail(
        ResponseCode.NO_PERMISSION,
        `the topic[${input.topic}] sending message is forbidden`,
      );
    let queueId = input.queueId;
    if (queueId < 0) queueId = Math.floor(Math.random() * tc.writeQueueNums);
    if (queueId >= tc.writeQueueNums) {
      return fail(
        ResponseCode.SYSTEM_ERROR,
        `request queueId[${queueId}] is illegal, topic ${input.topic} has ${tc.writeQueueNums} write queues`,
      );
    }
    let msgs: MessageExtBrokerInner[];
    try {
      if (input.batch) msgs = this.decodeBatch(input, queueId);
      else {
        const one = this.prepare(
          input,
          this.inner(input, queueId, input.propertiesString, input.body),
        );
        if ('code' in one) return one;
        msgs = [one];
      }
    } catch (err) {
      return fail(
        ResponseCode.MESSAGE_ILLEGAL,
        `the batch body cannot be decoded: ${(err as Error).message}`,
      );
    }
    const result = await this.d.store.putMessages(msgs);
    const code = putStatusToResponseCode(result.status);
    const append = result.appendResult;
    if (!append) return fail(code, result.remark ?? `the store answered ${result.status}`);
    return {
      code,
      msgId: append.msgIds.join(','),
      queueId,
      queueOffset: append.logicsOffset,
      transactionId: msgs[0]?.uniqKey,
      ...(code !== ResponseCode.SUCCESS ? { remark: result.status } : {}),
    };
  }

  private inner(
    input: SendInput,
    queueId: number,
    propertiesString: string,
    body: Buffer,
  ): MessageExtBrokerInner {
    const tags = findProperty(propertiesString, MessageConst.PROPERTY_TAGS);
    return {
      topic: input.topic,
      queueId,
      flag: input.flag,
      body,
      propertiesString,
      tagsCode: tagsHashCode(tags),
      sysFlag: input.sysFlag,
      bornTimestamp: input.bornTimestamp,
      bornHost: input.bornHost,
      storeHost: this.d.storeHost,
      reconsumeTimes: input.reconsumeTimes,
      preparedTransactionOffset: 0,
      keys: findProperty(propertiesString, MessageConst.PROPERTY_KEYS),
      uniqKey: findProperty(propertiesString, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
    };
  }

  /** Where a single send really goes: a half message, the timer wheel, a delay queue, the DLQ, or its topic. */
  private prepare(input: SendInput, msg: MessageExtBrokerInner): MessageExtBrokerInner | Outcome {
    const prepared =
      transactionType(input.sysFlag) === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      findProperty(msg.propertiesString, MessageConst.PROPERTY_TRANSACTION_PREPARED) === 'true';
    if (prepared)
      return this.d.transactions.toHalf(
        { ...msg, sysFlag: (msg.sysFlag & ~0xc) | MessageSysFlag.TRANSACTION_PREPARED_TYPE },
        input.producerGroup,
      );
    const timed = this.toTimer(msg);
    if (timed !== msg) return timed;
    return this.toSchedule(this.retryOrDlq(input, msg));
  }

  /**
   * A message with TIMER_DELIVER_MS (absolute), TIMER_DELAY_SEC or TIMER_DELAY_MS waits in the
   * timer topic (due time as tags code, TIMER_OUT_MS) until the timing wheel delivers it. A due
   * time already past is delivered at once; one beyond timerMaxDelaySec is refused.
   */
  toTimer(msg: MessageExtBrokerInner): MessageExtBrokerInner | Outcome {
    const ps = msg.propertiesString;
    const at = findProperty(ps, MessageConst.PROPERTY_TIMER_DELIVER_MS);
    const sec =
      at === undefined ? findProperty(ps, MessageConst.PROPERTY_TIMER_DELAY_SEC) : undefined;
    const ms =
      at === undefined && sec === undefined
        ? findProperty(ps, MessageConst.PROPERTY_TIMER_DELAY_MS)
        : undefined;
    if (at === undefined && sec === undefined && ms === undefined) return msg;
    const [name, value] =
      at !== undefined
        ? [MessageConst.PROPERTY_TIMER_DELIVER_MS, at]
        : sec !== undefined
          ? [MessageConst.PROPERTY_TIMER_DELAY_SEC, sec]
          : [MessageConst.PROPERTY_TIMER_DELAY_MS, ms ?? ''];
    const store = this.d.store.config;
    if (!store.timerWheelEnable)
      return fail(
        ResponseCode.MESSAGE_ILLEGAL,
        `timer messages are disabled on this broker (timerWheelEnable=false); the message has ${name}`,
      );
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      return fail(ResponseCode.MESSAGE_ILLEGAL, `the property ${name}=${value} is not a number`);
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
        ResponseCode.MESSAGE_ILLEGAL,
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
    if (this.d.topics.createSystemGroupTopic(topic).created) this.d.onTopicsChanged();
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
          { ...input, flag },
          queueId,
          props,
          b.subarray(bodyStart, bodyStart + bodyLength),
        ),
      );
      p += total;
    }
    if (out.length === 0) throw new Error('the batch holds no message');
    return out;
  }

  /** Reads for a consumer, holding the pull (long polling) when it caught up. */
  async pullMessage(input: PullInput): Promise<PullOutcome> {
    const first = this.pullOnce(input, true);
    if (first.code !== ResponseCode.PULL_NOT_FOUND || input.suspendTimeoutMillis <= 0) return first;
    const cfg = this.d.config;
    const wait = cfg.longPollingEnable
      ? Math.min(input.suspendTimeoutMillis, cfg.brokerSuspendMaxTimeMillis)
      : Math.min(input.suspendTimeoutMillis, cfg.shortPollingTimeMills);
    await this.d.hold.hold(input.topic, input.queueId, input.queueOffset, wait, input.onHold);
    return this.pullOnce(input, false);
  }

  private pullOnce(input: PullInput, commit: boolean): PullOutcome {
    const empty = {
      nextBeginOffset: input.queueOffset,
      minOffset: 0,
      maxOffset: 0,
      messageCount: 0,
    };
    if (!isReadable(this.d.config.brokerPermission)) {
      return {
        ...empty,
        ...fail(
          ResponseCode.NO_PERMISSION,
          `the broker[${this.d.config.brokerName}] pulling message is forbidden`,
        ),
      };
    }
    const tc = this.d.topics.get(input.topic);
    if (!tc)
      return {
        ...empty,
        ...fail(
          ResponseCode.TOPIC_NOT_EXIST,
          `topic[${input.topic}] not exist, apply first please!`,
        ),
      };
    if (!isReadable(tc.perm))
      return {
        ...empty,
        ...fail(
          ResponseCode.NO_PERMISSION,
          `the topic[${input.topic}] pulling message is forbidden`,
        ),
      };
    if (input.queueId < 0 || input.queueId >= tc.readQueueNums) {
      return {
        ...empty,
        ...fail(
          ResponseCode.SYSTEM_ERROR,
          `queueId[${input.queueId}] is illegal, topic ${input.topic} has ${tc.readQueueNums} read queues`,
        ),
      };
    }
    const group = this.d.groups.findOrCreate(
      input.group,
      this.d.config.autoCreateSubscriptionGroup,
    );
    if (!group) {
      return {
        ...empty,
        ...fail(
          ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
          `subscription group [${input.group}] does not exist`,
        ),
      };
    }
    if (!group.consumeEnable) {
      return {
        ...empty,
        ...fail(
          ResponseCode.NO_PERMISSION,
          `subscription group [${input.group}] no permission to consume`,
        ),
      };
    }
    let expression = input.subscription;
    let type = input.expressionType;
    if (expression === undefined) {
      const sub = this.d.consumers.get(input.group)?.subscriptions.get(input.topic);
      if (!sub)
        return {
          ...empty,
          ...fail(
            ResponseCode.SUBSCRIPTION_NOT_EXIST,
            `the consumer's subscription of ${input.topic} does not exist`,
          ),
        };
      expression = sub.subString;
      type = sub.expressionType;
    }
    const filter = this.messageFilter(expression, type);
    if (filter && 'code' in filter) return { ...empty, ...filter };
    if (commit && input.commitOffset !== undefined) {
      this.d.offsets.commit(input.group, input.topic, input.queueId, input.commitOffset);
    }
    const cfg = this.d.config;
    const r = this.d.store.getMessage({
      topic: input.topic,
      queueId: input.queueId,
      offset: input.queueOffset,
      maxMsgNums: Math.max(1, Math.min(input.maxMsgNums, cfg.maxTransferCountOnMessageInMemory)),
      maxTotalMsgSize: Math.min(
        input.maxMsgBytes ?? Infinity,
        cfg.maxTransferBytesOnMessageInMemory,
      ),
      ...(filter ? { filter } : {}),
    });
    const code = getStatusToPullCode(r.status, input.queueOffset);
    const out: PullOutcome = {
      code,
      nextBeginOffset: r.nextBeginOffset,
      minOffset: r.minOffset,
      maxOffset: r.maxOffset,
      messageCount: r.messages.length,
    };
    if (code === ResponseCode.SUCCESS) out.body = joinRecords(r.messages, r.bufferTotalSize);
    return out;
  }

  /** The store filter for a subscription (tags by hash code, or SQL92 on properties), or the refusal. */
  messageFilter(
    expression: string | undefined,
    type: string | undefined,
  ): MessageFilter | Outcome | undefined {
    if (type === 'SQL92') {
      const sql = this.sql92(expression);
      if (!('matches' in sql)) return sql;
      return {
        isMatchedByConsumeQueue: () => true,
        isMatchedByCommitLog: (record) => sql.matches(decodeRecord(record).properties),
      };
    }
    if (type !== undefined && type !== 'TAG') {
      return fail(
        ResponseCode.SUBSCRIPTION_PARSE_FAILED,
        `Unknown expression type "${type}": expected TAG or SQL92`,
      );
    }
    const tags = parseTagExpression(expression);
    const codes = tags ? new Set(tags.map((t) => javaStringHash(t))) : undefined;
    return codes ? { isMatchedByConsumeQueue: (code) => codes.has(code) } : undefined;
  }

  /**
   * POP_MESSAGE: hands out up to maxMsgNums visible messages of the topic (one queue or all)
   * to this consumer, invisible to the rest of the group for invisibleTime; waits up to pollTime
   * for one when there is none.
   */
  async popMessage(input: PopInput): Promise<PopOutcome> {
    const empty = {
      popTime: 0,
      invisibleTime: input.invisibleTime,
      reviveQid: input.order ? POP_ORDER_REVIVE_QUEUE : 0,
      restNum: 0,
      messages: [],
      startOffsets: new Map<number, number>(),
    };
    const checked = this.checkConsume(input.group, input.topic, input.queueId);
    if ('code' in checked) return { ...empty, ...checked };
    if (!(input.maxMsgNums >= 1 && input.maxMsgNums <= POP_MAX_MSG_NUMS))
      return {
        ...empty,
        ...fail(
          ResponseCode.MESSAGE_ILLEGAL,
          `pop maxMsgNums ${input.maxMsgNums} is outside 1..${POP_MAX_MSG_NUMS}`,
        ),
      };
    const bad = checkInvisibleTime(input.invisibleTime);
    if (bad) return { ...empty, ...bad };
    const filter = this.messageFilter(input.expression ?? '*', input.expressionType);
    if (filter && 'code' in filter) return { ...empty, ...filter };
    const deadline = Date.now() + Math.min(input.pollTime, POP_MAX_POLL_TIME);
    let aborted = false;
    for (;;) {
      if (aborted)
        return { ...empty, ...fail(ResponseCode.POLLING_TIMEOUT, 'the consumer went away') };
      const r = await this.d.pop.pop({
        group: input.group,
        topic: input.topic,
        queueId: input.queueId,
        readQueueNums: checked.readQueueNums,
        maxMsgNums: input.maxMsgNums,
        invisibleTime: input.invisibleTime,
        initMode: input.initMode,
        order: input.order,
        filter,
        maxReconsumeTimes: checked.retryMaxTimes,
      });
      const found = r.messages.length > 0;
      const left = deadline - Date.now();
      if (found || left <= 0 || aborted || input.pollTime <= 0) {
        return {
          ...empty,
          code: found
            ? ResponseCode.SUCCESS
            : input.pollTime > 0
              ? ResponseCode.POLLING_TIMEOUT
              : ResponseCode.PULL_NOT_FOUND,
          ...(found ? {} : { remark: 'no visible message in the queue' }),
          popTime: r.popTime,
          restNum: r.restNum,
          messages: r.messages,
          startOffsets: r.startOffsets,
        };
      }
      await this.d.pop.waitForMessages(input.group, input.topic, left, (abort) =>
        input.onHold?.(() => {
          aborted = true;
          abort();
        }),
      );
    }
  }

  /** ACK_MESSAGE / BATCH_ACK_MESSAGE: the messages handed out by pop `popTime` are consumed. */
  async ackMessage(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offsets: number[],
  ): Promise<Outcome> {
    const r = await this.d.pop.ack(group, topic, queueId, popTime, offsets);
    if (r === 'STALE_HANDLE')
      return fail(
        ResponseCode.NO_MESSAGE,
        `the receipt handle of ${topic}-${queueId} offset ${offsets.join(',')} has expired: the message was handed out again`,
      );
    return { code: ResponseCode.SUCCESS };
  }

  /** CHANGE_MESSAGE_INVISIBLETIME: a new handle, the message invisible for `invisibleTime` from now. */
  async changeInvisibleTime(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offset: number,
    invisibleTime: number,
  ): Promise<Outcome & { popTime?: number }> {
    // Any delay from 0 (visible again at once) up: the 5.x clients nack with their retry back-off,
    // which can be a few ms.
    const bad = checkInvisibleTime(invisibleTime, 0);
    if (bad) return bad;
    const r = await this.d.pop.changeInvisibleTime(
      group,
      topic,
      queueId,
      popTime,
      offset,
      invisibleTime,
    );
    if (typeof r === 'object') return { code: ResponseCode.SUCCESS, popTime: r.popTime };
    return fail(
      ResponseCode.NO_MESSAGE,
      r === 'STALE_HANDLE'
        ? `the receipt handle of ${topic}-${queueId} offset ${offset} has expired: the message was handed out again`
        : `the message ${topic}-${queueId} offset ${offset} is already acknowledged`,
    );
  }

  /** The message behind a receipt handle goes to %DLQ%group now and counts as consumed. */
  async forwardToDeadLetterQueue(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offset: number,
  ): Promise<Outcome> {
    const r = await this.d.pop.forwardToDeadLetterQueue(group, topic, queueId, popTime, offset);
    if (r === 'OK' || r === 'ALREADY_ACKED') return { code: ResponseCode.SUCCESS };
    if (r === 'DLQ_FAILED')
      return fail(
        ResponseCode.SYSTEM_ERROR,
        `the message ${topic}-${queueId} offset ${offset} could not be stored in %DLQ%${group}; it stays in flight`,
      );
    return fail(
      ResponseCode.NO_MESSAGE,
      `the receipt handle of ${topic}-${queueId} offset ${offset} has expired: the message was handed out again`,
    );
  }

  /** The checks a consume request passes: readable broker and topic, queue in range, group allowed. */
  private checkConsume(
    groupName: string,
    topic: string,
    queueId: number,
  ): Outcome | { readQueueNums: number; retryMaxTimes: number } {
    if (!isReadable(this.d.config.brokerPermission))
      return fail(
        ResponseCode.NO_PERMISSION,
        `the broker[${this.d.config.brokerName}] pulling message is forbidden`,
      );
    const tc = this.d.topics.get(topic);
    if (!tc)
      return fail(ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please!`);
    if (!isReadable(tc.perm))
      return fail(ResponseCode.NO_PERMISSION, `the topic[${topic}] pulling message is forbidden`);
    if (queueId < -1 || queueId >= tc.readQueueNums)
      return fail(
        ResponseCode.SYSTEM_ERROR,
        `queueId[${queueId}] is illegal, topic ${topic} has ${tc.readQueueNums} read queues`,
      );
    const group = this.d.groups.findOrCreate(groupName, this.d.config.autoCreateSubscriptionGroup);
    if (!group)
      return fail(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${groupName}] does not exist`,
      );
    if (!group.consumeEnable)
      return fail(
        ResponseCode.NO_PERMISSION,
        `subscription group [${groupName}] no permission to consume`,
      );
    return { readQueueNums: tc.readQueueNums, retryMaxTimes: group.retryMaxTimes };
  }

  private readonly sqlCache = new Map<string, Sql92Filter | Outcome>();

  /** A compiled SQL92 expression, or the refusal: property filtering off, or a parse error. */
  sql92(expression: string | undefined): Sql92Filter | Outcome {
    if (!this.d.config.enablePropertyFilter) {
      return fail(
        ResponseCode.SYSTEM_ERROR,
        'The broker does not support consumer to filter message by SQL92 (enablePropertyFilter=false)',
      );
    }
    const text = expression ?? '';
    let compiled = this.sqlCache.get(text);
    if (!compiled) {
      try {
        compiled = compileSql92(text);
      } catch (err) {
        compiled = fail(
          ResponseCode.SUBSCRIPTION_PARSE_FAILED,
          `Cannot parse the SQL92 expression "${text}": ${(err as Error).message}`,
        );
      }
      if (this.sqlCache.size > 1000) this.sqlCache.clear();
      this.sqlCache.set(text, compiled);
    }
    return compiled;
  }

  /** QUERY_CONSUMER_OFFSET: the committed offset; 0 for a fresh queue never truncated (as RocketMQ); else not found. */
  queryConsumerOffset(
    group: string,
    topic: string,
    queueId: number,
  ): { code: number; offset?: number; remark?: string } {
    const offset = this.d.offsets.query(group, topic, queueId);
    if (offset >= 0) return { code: ResponseCode.SUCCESS, offset };
    if (this.d.store.getMinOffsetInQueue(topic, queueId) <= 0)
      return { code: ResponseCode.SUCCESS, offset: 0 };
    return {
      code: ResponseCode.QUERY_NOT_FOUND,
      remark: `Not found, maybe this group consumer ${group} boots first`,
    };
  }

  /** Registers producers and consumers of a heartbeat; creates groups and retry topics they need. */
  heartbeat(
    data: HeartbeatData,
    connection: RemotingConnection,
    language: string,
    version: number,
  ): Outcome {
    // A bad SQL92 subscription is refused here, with the parse error, before anything registers.
    for (const consumer of data.consumerDataSet ?? []) {
      for (const sub of consumer.subscriptionDataSet ?? []) {
        if (sub.expressionType !== 'SQL92') continue;
        const compiled = this.sql92(sub.subString);
        if (!('matches' in compiled)) return compiled;
      }
    }
    const now = Date.now();
    const channel = { clientId: data.clientID, connection, language, version, lastUpdate: now };
    let topicsChanged = false;
    for (const consumer of data.consumerDataSet ?? []) {
      const group = this.d.groups.findOrCreate(
        consumer.groupName,
        this.d.config.autoCreateSubscriptionGroup,
      );
      if (group) {
        topicsChanged =
          this.d.topics.createSystemGroupTopic(retryTopic(consumer.groupName)).created ||
          topicsChanged;
      }
      this.d.consumers.register(consumer, channel);
    }
    for (const producer of data.producerDataSet ?? [])
      this.d.producers.register(producer.groupName, channel);
    if (topicsChanged) this.d.onTopicsChanged();
    return { code: ResponseCode.SUCCESS };
  }

  /** CONSUMER_SEND_MSG_BACK: the failed message goes to the group's retry topic, or its DLQ after the max. */
  async sendMessageBack(input: {
    group: string;
    offset: number;
    delayLevel: number;
    originMsgId: string | undefined;
    maxReconsumeTimes: number | undefined;
  }): Promise<Outcome> {
    const group = this.d.groups.findOrCreate(
      input.group,
      this.d.config.autoCreateSubscriptionGroup,
    );
    if (!group)
      return fail(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${input.group}] does not exist`,
      );
    const record = this.d.store.lookMessageByOffset(input.offset);
    if (!record)
      return fail(ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${input.offset}`);
    const msg = decodeRecord(record);
    const maxTimes = input.maxReconsumeTimes ?? group.retryMaxTimes;
    const toDlq = msg.reconsumeTimes >= maxTimes || input.delayLevel < 0;
    const topic = toDlq ? dlqTopic(input.group) : retryTopic(input.group);
    if (this.d.topics.createSystemGroupTopic(topic).created) this.d.onTopicsChanged();
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
    const result = await this.d.store.putMessage(toDlq ? retry : this.toSchedule(retry));
    const code = putStatusToResponseCode(result.status);
    return code === ResponseCode.SUCCESS ? { code } : fail(code, result.remark ?? result.status);
  }

  /** Creates or updates a topic (admin); refuses illegal names and system topics. */
  createTopic(config: TopicConfig): Outcome {
    const bad = checkTopicName(config.topicName);
    if (bad) return fail(ResponseCode.SYSTEM_ERROR, bad);
    if (config.topicName === SystemTopic.AUTO_CREATE_TOPIC_KEY) {
      return fail(
        ResponseCode.SYSTEM_ERROR,
        `the topic "${config.topicName}" is the default topic and cannot be changed`,
      );
    }
    if (config.readQueueNums <= 0 || config.writeQueueNums <= 0) {
      return fail(
        ResponseCode.SYSTEM_ERROR,
        `a topic needs at least one read and one write queue, got ${config.readQueueNums}/${config.writeQueueNums}`,
      );
    }
    if (this.d.topics.put(config)) this.d.onTopicsChanged();
    return { code: ResponseCode.SUCCESS };
  }

  deleteTopic(topic: string): Outcome {
    this.d.topics.delete(topic);
    this.d.store.deleteTopic(topic);
    this.d.offsets.deleteTopic(topic);
    this.d.onTopicsChanged();
    return { code: ResponseCode.SUCCESS };
  }
}

/**
 * The pull body: the stored records back to back. Records read in one span are already adjacent
 * in memory, so this is a view of that span; only scattered records are copied together.
 */
export function joinRecords(records: readonly Buffer[], total: number): Buffer {
  const first = records[0];
  if (!first) return Buffer.alloc(0);
  let contiguous = true;
  for (let i = 1; i < records.length && contiguous; i++) {
    const prev = records[i - 1] as Buffer;
    const cur = records[i] as Buffer;
    contiguous = cur.buffer === prev.buffer && cur.byteOffset === prev.byteOffset + prev.length;
  }
  return contiguous
    ? Buffer.from(first.buffer, first.byteOffset, total)
    : Buffer.concat(records, total);
}

function checkInvisibleTime(ms: number, min = POP_MIN_INVISIBLE_TIME): Outcome | undefined {
  if (ms >= min && ms <= POP_MAX_INVISIBLE_TIME) return undefined;
  return fail(
    ResponseCode.MESSAGE_ILLEGAL,
    `invisibleTime ${ms} ms is outside ${min}..${POP_MAX_INVISIBLE_TIME}`,
  );
}
