import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { abortable } from '../abortable.ts';
import { MQClientError } from '../client-errors.ts';
import type { ClientInstance, ClientMember } from '../client-instance.ts';
import { decodeMessages, selectorOf, type MessageSelector, type MessageView } from '../message.ts';

export interface SimpleConsumerOptions {
  consumerGroup: string;
  /** Long polling: how long a receive waits at a broker when nothing is visible. @defaultValue 20000 */
  awaitDuration?: number;
  /**
   * Where the group starts on a queue it has never consumed.
   * @defaultValue "CONSUME_FROM_LAST_OFFSET"
   */
  consumeFromWhere?: 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_LAST_OFFSET';
  /**
   * FIFO: messages of one message group (the producer's shardingKey) come in order, and the group
   * is held while any of its messages is in flight. @defaultValue false
   */
  fifo?: boolean;
}

/** A message received by a SimpleConsumer: acknowledge it, or it comes again after its invisible time. */
export interface ReceivedMessage extends MessageView {
  /** Identifies this delivery; changes with changeInvisibleDuration. */
  receiptHandle: string;
  /** 1 for the first delivery, 2 for the first redelivery... */
  deliveryAttempt: number;
}

export interface ReceiveOptions {
  signal?: AbortSignal;
}

/**
 * Message-level consumption (RocketMQ 5's SimpleConsumer, POP on the broker): `receive` takes
 * messages that stay invisible to the rest of the group for `invisibleDuration`; `ack` consumes
 * them; one not acknowledged in time is handed out again with its delivery attempt raised, and
 * after the group's maximum it goes to %DLQ%group.
 */
export interface SimpleConsumer {
  start(): Promise<void>;
  subscribe(topic: string, selector?: MessageSelector): void;
  unsubscribe(topic: string): void;
  /** Up to `maxMessages` (1..32) messages; an empty array when none came within awaitDuration. */
  receive(
    maxMessages?: number,
    invisibleDuration?: number,
    options?: ReceiveOptions,
  ): Promise<ReceivedMessage[]>;
  /** Acknowledges one message, or several at once (one batch request per broker). */
  ack(message: ReceivedMessage | readonly ReceivedMessage[]): Promise<void>;
  /** Makes the message visible again `invisibleDuration` ms from now; its receipt handle changes. */
  changeInvisibleDuration(message: ReceivedMessage, invisibleDuration: number): Promise<void>;
  shutdown(): Promise<void>;
}

const RECEIVE_OK = [
  ResponseCode.SUCCESS,
  ResponseCode.POLLING_TIMEOUT,
  ResponseCode.PULL_NOT_FOUND,
];

export class DefaultSimpleConsumer implements SimpleConsumer {
  private readonly client: ClientInstance;
  private readonly ownsClient: boolean;
  private readonly o: Required<SimpleConsumerOptions>;
  private readonly subscriptions = new Map<string, { type: 'TAG' | 'SQL92'; expression: string }>();
  private readonly member: ClientMember;
  private running = false;
  private turn = 0;

  constructor(client: ClientInstance, options: SimpleConsumerOptions, ownsClient: boolean) {
    if (!options.consumerGroup)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'consumerGroup is required');
    this.client = client;
    this.ownsClient = ownsClient;
    this.o = {
      awaitDuration: 20000,
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      fifo: false,
      ...options,
    };
    this.member = {
      kind: 'consumer',
      group: this.o.consumerGroup,
      topics: () => [...this.subscriptions.keys()],
      consumerData: () => ({
        groupName: this.o.consumerGroup,
        consumeType: 'CONSUME_POP',
        messageModel: 'CLUSTERING',
        consumeFromWhere: this.o.consumeFromWhere,
        subscriptionDataSet: [...this.subscriptions].map(([topic, s]) => ({
          topic,
          subString: s.expression,
          expressionType: s.type,
          tagsSet: [],
          codeSet: [],
          subVersion: Date.now(),
          classFilterMode: false,
        })),
      }),
    };
  }

  /** Registers the group with its topics' brokers (one heartbeat now, then every 30 s). */
  async start(): Promise<void> {
    try {
      await this.client.announceConsumer(this.member, this.subscriptions.keys());
    } catch (err) {
      if (this.ownsClient) await this.client.shutdown();
      throw err;
    }
    this.running = true;
  }

  subscribe(topic: string, selector: MessageSelector = '*'): void {
    this.subscriptions.set(topic, selectorOf(selector));
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
  }

  private check(): void {
    if (!this.running)
      throw new MQClientError(
        'NOT_STARTED',
        'The simple consumer is not started; call start() first',
      );
  }

  async receive(
    maxMessages = 16,
    invisibleDuration = 30000,
    options: ReceiveOptions = {},
  ): Promise<ReceivedMessage[]> {
    this.check();
    if (!(Number.isInteger(maxMessages) && maxMessages >= 1 && maxMessages <= 32))
      throw new MQClientError('ILLEGAL_ARGUMENT', `maxMessages ${maxMessages} is outside 1..32`);
    const targets: { topic: string; brokerName: string; addr: string }[] = [];
    for (const topic of this.subscriptions.keys()) {
      const route = await this.client.route(topic);
      for (const brokerName of new Set(route.readQueues.map((q) => q.brokerName))) {
        const addr = route.masters.get(brokerName);
        if (addr) targets.push({ topic, brokerName, addr });
      }
    }
    if (targets.length === 0)
      throw new MQClientError(
        'NO_ROUTE',
        this.subscriptions.size === 0
          ? 'The simple consumer subscribes to nothing; call subscribe() first'
          : `No readable queue for ${[...this.subscriptions.keys()].join(', ')}`,
      );
    const target = targets[this.turn++ % targets.length] as (typeof targets)[number];
    const sub = this.subscriptions.get(target.topic) ?? { type: 'TAG', expression: '*' };
    const res = await abortable(
      this.client.call(
        target.addr,
        `Receive from ${target.topic}`,
        createRequest(RequestCode.POP_MESSAGE, 0, {
          consumerGroup: this.o.consumerGroup,
          topic: target.topic,
          queueId: '-1',
          maxMsgNums: String(maxMessages),
          invisibleTime: String(invisibleDuration),
          pollTime: String(this.o.awaitDuration),
          bornTime: String(Date.now()),
          initMode: this.o.consumeFromWhere === 'CONSUME_FROM_FIRST_OFFSET' ? '0' : '1',
          expType: sub.type,
          exp: sub.expression,
          order: String(this.o.fifo),
        }),
        this.o.awaitDuration + this.client.requestTimeoutMs,
        RECEIVE_OK,
      ),
      options.signal,
      `Receive from ${target.topic}`,
    );
    if (res.code !== ResponseCode.SUCCESS || !res.body) return [];
    const h = res.extFields ?? {};
    const starts = parseInfo(h.startOffsetInfo);
    const prefix = `${h.popTime ?? 0} ${h.invisibleTime ?? invisibleDuration} ${h.reviveQid ?? 0}`;
    return decodeMessages(res.body, target.brokerName).map((m) => {
      const retry = m.topic.startsWith('%RETRY%') ? '1' : '0';
      const start = starts.get(`${retry} ${m.queueId}`) ?? m.queueOffset;
      return Object.assign(m, {
        receiptHandle: `${start} ${prefix} ${retry} ${m.brokerName} ${m.queueId} ${m.queueOffset}`,
        deliveryAttempt: m.reconsumeTimes + 1,
      });
    });
  }

  async ack(message: ReceivedMessage | readonly ReceivedMessage[]): Promise<void> {
    this.check();
    if (!Array.isArray(message)) {
      const m = message as ReceivedMessage;
      await this.client.call(
        await this.addrOf(m),
        `Ack ${m.msgId}`,
        createRequest(RequestCode.ACK_MESSAGE, 0, {
          consumerGroup: this.o.consumerGroup,
          topic: m.topic,
          queueId: String(m.queueId),
          extraInfo: m.receiptHandle,
          offset: String(m.queueOffset),
        }),
      );
      return;
    }
    // One BATCH_ACK_MESSAGE per broker; one entry per (topic, queue, pop) with a bit set of offsets.
    const byBroker = new Map<string, Map<string, ReceivedMessage[]>>();
    for (const m of message as readonly ReceivedMessage[]) {
      const addr = await this.addrOf(m);
      const entries = byBroker.get(addr) ?? new Map<string, ReceivedMessage[]>();
      const key = `${m.topic}@${m.queueId}@${handleField(m.receiptHandle, 1)}`;
      entries.set(key, [...(entries.get(key) ?? []), m]);
      byBroker.set(addr, entries);
    }
    await Promise.all(
      [...byBroker].map(([addr, entries]) => {
        const acks = [...entries.values()].map((list) => {
          const first = list[0] as ReceivedMessage;
          const start = Math.min(...list.map((m) => m.queueOffset));
          const bits = Buffer.alloc(
            ((Math.max(...list.map((m) => m.queueOffset)) - start) >> 3) + 1,
          );
          for (const m of list) {
            const i = m.queueOffset - start;
            bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
          }
          return {
            c: this.o.consumerGroup,
            t: first.topic,
            r: handleField(first.receiptHandle, 4),
            so: start,
            q: first.queueId,
            rq: Number(handleField(first.receiptHandle, 3)),
            pt: Number(handleField(first.receiptHandle, 1)),
            it: Number(handleField(first.receiptHandle, 2)),
            b: bits.toString('base64'),
          };
        });
        return this.client.call(
          addr,
          `Ack ${acks.length} pops`,
          createRequest(
            RequestCode.BATCH_ACK_MESSAGE,
            0,
            {},
            Buffer.from(JSON.stringify({ acks })),
          ),
        );
      }),
    );
  }

  async changeInvisibleDuration(
    message: ReceivedMessage,
    invisibleDuration: number,
  ): Promise<void> {
    this.check();
    const res = await this.client.call(
      await this.addrOf(message),
      `Change invisible duration of ${message.msgId}`,
      createRequest(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, 0, {
        consumerGroup: this.o.consumerGroup,
        topic: message.topic,
        queueId: String(message.queueId),
        extraInfo: message.receiptHandle,
        offset: String(message.queueOffset),
        invisibleTime: String(invisibleDuration),
      }),
    );
    const fields = message.receiptHandle.split(' ');
    fields[1] = res.extFields?.popTime ?? fields[1] ?? '0';
    fields[2] = String(invisibleDuration);
    message.receiptHandle = fields.join(' ');
  }

  private async addrOf(m: ReceivedMessage): Promise<string> {
    const route = await this.client.route(m.topic);
    const addr = route.masters.get(m.brokerName) ?? this.client.masterAddr(m.brokerName);
    if (!addr) throw new MQClientError('NO_ROUTE', `No master address for broker ${m.brokerName}`);
    return addr;
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.client.unregister(this.member);
    if (this.ownsClient) await this.client.shutdown();
  }
}

/** "retry queueId value;..." -> "retry queueId" -> value. */
function parseInfo(info: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of (info ?? '').split(';')) {
    const [retry, queueId, value] = entry.split(' ');
    if (retry !== undefined && queueId !== undefined && value !== undefined)
      out.set(`${retry} ${queueId}`, Number(value));
  }
  return out;
}

function handleField(handle: string, index: number): string {
  return handle.split(' ')[index] ?? '0';
}
