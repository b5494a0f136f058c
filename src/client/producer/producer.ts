import { deflateSync } from 'node:zlib';
import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { encodeProperties } from '../../common/message/message-properties.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import { javaStringHash } from '../../common/message/java-hash.ts';
import { MQBrokerError, MQClientError } from '../client-errors.ts';
import type { ClientInstance, ClientMember } from '../client-instance.ts';
import type { Message, MessageQueue } from '../message.ts';
import { LatencyFaultTolerance } from '../route/latency-fault-tolerance.ts';
import { abortable } from '../abortable.ts';
import type { TopicRouteInfo } from '../route/topic-route-cache.ts';

/** Options of a producer; defaults are RocketMQ's. */
export interface ProducerOptions {
  producerGroup: string;
  /** @defaultValue 3000 */
  sendMsgTimeout?: number;
  /** Extra attempts, each on another broker when there is one. @defaultValue 2 */
  retryTimesWhenSendFailed?: number;
  /** Also retry when the broker stored the message but not as asked (flush/slave timeouts). @defaultValue false */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /** Bodies larger than this are zlib-compressed. @defaultValue 4096 */
  compressMsgBodyOverHowmuch?: number;
  /** @defaultValue 4194304 */
  maxMessageSize?: number;
  /** Skip brokers that failed or answered slowly, for a while. @defaultValue false */
  sendLatencyFaultEnable?: boolean;
  /** Queues of a topic the broker creates on first send. @defaultValue 4 */
  defaultTopicQueueNums?: number;
  /** The route used to reach a broker for a topic that does not exist yet. @defaultValue "TBW102" */
  createTopicKey?: string;
}

export type SendStatus =
  'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  sendStatus: SendStatus;
  /** The client-generated id (UNIQ_KEY); for a batch, the ids joined by commas. */
  msgId: string;
  /** Store host + CommitLog offset of the stored record. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  queueOffset: number;
  transactionId?: string | undefined;
}

export type QueueSelector = (queues: readonly MessageQueue[], message: Message) => MessageQueue;

export interface SendOptions {
  /** Overrides sendMsgTimeout for this call. */
  timeoutMs?: number;
  /** Picks the queue (partition order); retries then stay on that queue. */
  selector?: QueueSelector;
  signal?: AbortSignal;
}

export interface Producer {
  start(): Promise<void>;
  send(message: Message, options?: SendOptions): Promise<SendResult>;
  /** Sends without waiting for the broker's answer; resolves once written to the socket. */
  sendOneway(message: Message, options?: SendOptions): Promise<void>;
  /** Sends messages of one topic as one request (at most maxMessageSize bytes together). */
  sendBatch(messages: readonly Message[], options?: SendOptions): Promise<SendResult>;
  shutdown(): Promise<void>;
}

const STATUS_BY_CODE: Record<number, SendStatus> = {
  [ResponseCode.SUCCESS]: 'SEND_OK',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'FLUSH_DISK_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'FLUSH_SLAVE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'SLAVE_NOT_AVAILABLE',
};
/** Failures a send retries on another broker. */
const RETRY_CODES = new Set<number>([
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.NO_PERMISSION,
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT,
]);

interface Encoded {
  topic: string;
  body: Buffer;
  sysFlag: number;
  flag: number;
  properties: string;
  uniqKey: string;
  batch: boolean;
}

/** The default producer implementation (RocketMQ's DefaultMQProducer semantics). */
export class DefaultProducer implements Producer {
  private readonly client: ClientInstance;
  private readonly ownsClient: boolean;
  private readonly o: Required<ProducerOptions>;
  private readonly faults = new LatencyFaultTolerance();
  private readonly topics = new Set<string>();
  private readonly member: ClientMember;
  private nextQueue = Math.floor(Math.random() * 1000);
  private running = false;

  constructor(
    client: ClientInstance,
    options: ProducerOptions,
    ownsClient: boolean,
    memberExtras: Partial<ClientMember> = {},
  ) {
    if (!options.producerGroup)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'producerGroup is required');
    this.client = client;
    this.ownsClient = ownsClient;
    this.o = {
      sendMsgTimeout: 3000,
      retryTimesWhenSendFailed: 2,
      retryAnotherBrokerWhenNotStoreOK: false,
      compressMsgBodyOverHowmuch: 4096,
      maxMessageSize: 4 * 1024 * 1024,
      sendLatencyFaultEnable: false,
      defaultTopicQueueNums: 4,
      createTopicKey: 'TBW102',
      ...options,
    };
    this.member = {
      kind: 'producer',
      group: options.producerGroup,
      topics: () => [...this.topics],
      ...memberExtras,
    };
  }

  /** Registers with the brokers at once (learning them through the default topic's route). */
  async start(): Promise<void> {
    this.client.register(this.member);
    this.client.start();
    this.running = true;
    await this.client.route(this.o.createTopicKey).catch(() => undefined);
    await this.client.sendHeartbeatToAllBrokers();
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.client.unregister(this.member);
    if (this.ownsClient) await this.client.shutdown();
  }

  private checkRunning(): void {
    if (!this.running)
      throw new MQClientError('NOT_STARTED', 'The producer is not started; call start() first');
  }

  private encode(message: Message): Encoded {
    if (!message.topic) throw new MQClientError('ILLEGAL_ARGUMENT', 'The message has no topic');
    let body =
      typeof message.body === 'string'
        ? Buffer.from(message.body)
        : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    if (body.length === 0)
      throw new MQClientError(
        'ILLEGAL_ARGUMENT',
        `The message body for topic "${message.topic}" is empty`,
      );
    if (body.length > this.o.maxMessageSize) {
      throw new MQClientError(
        'ILLEGAL_ARGUMENT',
        `The message body is ${body.length} bytes, above maxMessageSize ${this.o.maxMessageSize}`,
      );
    }
    let sysFlag = 0;
    if (body.length > this.o.compressMsgBodyOverHowmuch) {
      const deflated = deflateSync(body, { level: 5 });
      if (deflated.length < body.length) {
        body = deflated;
        sysFlag |= MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.COMPRESSION_ZLIB_TYPE;
      }
    }
    const uniqKey = this.client.ids.next();
    const props: Record<string, string> = { ...(message.properties ?? {}) };
    if (message.tags) props[MessageConst.PROPERTY_TAGS] = message.tags;
    if (message.keys)
      props[MessageConst.PROPERTY_KEYS] =
        typeof message.keys === 'string' ? message.keys : message.keys.join(' ');
    if (message.shardingKey) props[MessageConst.PROPERTY_SHARDING_KEY] = message.shardingKey;
    if (message.deliveryTimestamp !== undefined)
      props[MessageConst.PROPERTY_TIMER_DELIVER_MS] = String(+message.deliveryTimestamp);
    if (message.delayTimeLevel !== undefined)
      props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] = String(message.delayTimeLevel);
    props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] = uniqKey;
    props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK] = 'true';
    return {
      topic: message.topic,
      body,
      sysFlag,
      flag: message.flag ?? 0,
      properties: encodeProperties(props),
      uniqKey,
      batch: false,
    };
  }

  /** The topic's own cached route, when it has one: the common case, with no await. */
  private cachedPublishRoute(
    topic: string,
  ): { info: TopicRouteInfo; queues: MessageQueue[] } | undefined {
    const info = this.client.cachedRoute(topic);
    if (!info || info.writeQueues.length === 0) return undefined;
    this.topics.add(topic);
    return { info, queues: info.writeQueues };
  }

  /** The route to send on: the topic's, or the default topic's when the topic is new. */
  private async publishRoute(
    topic: string,
  ): Promise<{ info: TopicRouteInfo; queues: MessageQueue[] }> {
    this.topics.add(topic);
    try {
      const info = await this.client.route(topic);
      if (info.writeQueues.length > 0) return { info, queues: info.writeQueues };
    } catch (err) {
      if (!(err instanceof MQClientError) || err.code !== 'NO_ROUTE') throw err;
    }
    const fallback = await this.client.route(this.o.createTopicKey).catch(() => undefined);
    if (!fallback || fallback.writeQueues.length === 0) {
      throw new MQClientError(
        'NO_ROUTE',
        `No route for topic "${topic}", and no broker offers ${this.o.createTopicKey} to create it`,
      );
    }
    const queues: MessageQueue[] = [];
    for (const brokerName of new Set(fallback.writeQueues.map((q) => q.brokerName))) {
      for (let i = 0; i < this.o.defaultTopicQueueNums; i++)
        queues.push({ topic, brokerName, queueId: i });
    }
    return { info: fallback, queues };
  }

  private pickQueue(queues: readonly MessageQueue[], lastBroker: string | undefined): MessageQueue {
    for (let i = 0; i < queues.length; i++) {
      const q = queues[(this.nextQueue++ & 0x7fffffff) % queues.length] as MessageQueue;
      if (q.brokerName === lastBroker && queues.some((x) => x.brokerName !== lastBroker)) continue;
      if (this.o.sendLatencyFaultEnable && !this.faults.isAvailable(q.brokerName)) continue;
      return q;
    }
    return queues[(this.nextQueue++ & 0x7fffffff) % queues.length] as MessageQueue;
  }

  async send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    this.checkRunning();
    const selector = options.selector ?? (message.shardingKey ? shardingKeySelector : undefined);
    return await this.sendEncoded(this.encode(message), message, selector, options);
  }

  async sendBatch(messages: readonly Message[], options: SendOptions = {}): Promise<SendResult> {
    this.checkRunning();
    const first = messages[0];
    if (!first) throw new MQClientError('ILLEGAL_ARGUMENT', 'The batch is empty');
    const parts: Buffer[] = [];
    const ids: string[] = [];
    let total = 0;
    for (const m of messages) {
      if (m.topic !== first.topic)
        throw new MQClientError(
          'ILLEGAL_ARGUMENT',
          `A batch goes to one topic: "${m.topic}" differs from "${first.topic}"`,
        );
      const e = this.encode(m);
      const props = Buffer.from(e.properties, 'utf8');
      const part = Buffer.allocUnsafe(20 + e.body.length + 2 + props.length);
      part.writeInt32BE(part.length, 0);
      // MAGICCODE and BODYCRC are 0, as Java's client writes them: the broker computes the CRC.
      part.writeInt32BE(0, 4);
      part.writeInt32BE(0, 8);
      part.writeInt32BE(e.flag, 12);
      part.writeInt32BE(e.body.length, 16);
      e.body.copy(part, 20);
      part.writeInt16BE(props.length, 20 + e.body.length);
      props.copy(part, 22 + e.body.length);
      parts.push(part);
      ids.push(e.uniqKey);
      total += part.length;
    }
    if (total > this.o.maxMessageSize) {
      throw new MQClientError(
        'ILLEGAL_ARGUMENT',
        `The batch is ${total} bytes, above maxMessageSize ${this.o.maxMessageSize}; split it`,
      );
    }
    const encoded: Encoded = {
      topic: first.topic,
      body: Buffer.concat(parts, total),
      sysFlag: 0,
      flag: 0,
      properties: '',
      uniqKey: ids.join(','),
      batch: true,
    };
    return await this.sendEncoded(encoded, first, options.selector, options);
  }

  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    this.checkRunning();
    const e = this.encode(message);
    const { info, queues } = await this.publishRoute(e.topic);
    const selector = options.selector ?? (message.shardingKey ? shardingKeySelector : undefined);
    const mq = selector ? selector(queues, message) : this.pickQueue(queues, undefined);
    const addr = info.masters.get(mq.brokerName) ?? this.client.masterAddr(mq.brokerName);
    if (!addr) throw new MQClientError('NO_ROUTE', `No master address for broker ${mq.brokerName}`);
    await this.client.remoting.invokeOneway(addr, this.request(e, mq));
  }

  private request(e: Encoded, mq: MessageQueue): ReturnType<typeof createRequest> {
    return createRequest(
      e.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2,
      0,
      {
        a: this.o.producerGroup,
        b: e.topic,
        c: this.o.createTopicKey,
        d: String(this.o.defaultTopicQueueNums),
        e: String(mq.queueId),
        f: String(e.sysFlag),
        g: String(Date.now()),
        h: String(e.flag),
        i: e.properties,
        j: '0',
        k: 'false',
        ...(e.batch ? { m: 'true' } : {}),
      },
      e.body,
    );
  }

  private async sendEncoded(
    e: Encoded,
    message: Message,
    selector: QueueSelector | undefined,
    options: SendOptions,
  ): Promise<SendResult> {
    const timeout = options.timeoutMs ?? this.o.sendMsgTimeout;
    const deadline = Date.now() + timeout;
    const attempts = selector ? 1 : 1 + this.o.retryTimesWhenSendFailed;
    let lastBroker: string | undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (options.signal?.aborted)
        throw new MQClientError('ABORTED', `Send to "${e.topic}" aborted`, {
          cause: options.signal.reason,
        });
      const left = deadline - Date.now();
      if (left <= 0) break;
      const { info, queues } =
        this.cachedPublishRoute(e.topic) ?? (await this.publishRoute(e.topic));
      const mq = selector ? selector(queues, message) : this.pickQueue(queues, lastBroker);
      const addr = info.masters.get(mq.brokerName) ?? this.client.masterAddr(mq.brokerName);
      if (!addr) {
        lastError = new MQClientError('NO_ROUTE', `No master address for broker ${mq.brokerName}`);
        lastBroker = mq.brokerName;
        continue;
      }
      const started = Date.now();
      try {
        const res = await abortable(
          this.client.remoting.invoke(addr, this.request(e, mq), left),
          options.signal,
          `Send to ${e.topic}`,
        );
        this.faults.update(mq.brokerName, Date.now() - started, false);
        const status = STATUS_BY_CODE[res.code];
        if (status) {
          const result: SendResult = {
            sendStatus: status,
            msgId: e.uniqKey,
            offsetMsgId: res.extFields?.msgId ?? '',
            messageQueue: {
              topic: e.topic,
              brokerName: mq.brokerName,
              queueId: Number(res.extFields?.queueId ?? mq.queueId),
            },
            queueOffset: Number(res.extFields?.queueOffset ?? -1),
            transactionId: res.extFields?.transactionId,
          };
          if (
            status !== 'SEND_OK' &&
            this.o.retryAnotherBrokerWhenNotStoreOK &&
            attempt + 1 < attempts
          ) {
            lastBroker = mq.brokerName;
            lastError = result;
            continue;
          }
          return result;
        }
        const err = new MQBrokerError(res.code, res.remark, addr, `Send to ${e.topic}`);
        if (res.code === ResponseCode.TOPIC_NOT_EXIST)
          void this.client.route(e.topic, true).catch(() => undefined);
        if (!RETRY_CODES.has(res.code)) throw err;
        lastError = err;
      } catch (err) {
        if (err instanceof MQBrokerError && !RETRY_CODES.has(err.responseCode)) throw err;
        if (err instanceof MQClientError && err.code === 'ABORTED') throw err;
        this.faults.update(mq.brokerName, Date.now() - started, true);
        lastError = err;
      }
      lastBroker = mq.brokerName;
    }
    if (lastError && typeof lastError === 'object' && 'sendStatus' in lastError)
      return lastError as SendResult;
    throw new MQClientError(
      'SEND_FAILED',
      `Send to "${e.topic}" failed after ${attempts} attempt(s) within ${timeout} ms: ${(lastError as Error | undefined)?.message ?? 'timed out'}`,
      {
        cause: lastError,
      },
    );
  }
}

/** Queue by hash of the sharding key (RocketMQ's SelectMessageQueueByHash). */
export const shardingKeySelector: QueueSelector = (queues, message) => {
  const hash = Math.abs(javaStringHash(message.shardingKey ?? '') | 0);
  return queues[hash % queues.length] as MessageQueue;
};
