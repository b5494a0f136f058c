import { EventEmitter } from 'node:events';
import {
  DEFAULT_MESSAGE_DELAY_LEVEL,
  parseDelayLevels,
} from '../../common/constants/delay-levels.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { MQClientError } from '../client-errors.ts';
import type { ClientInstance } from '../client-instance.ts';
import type { MessageQueue, MessageSelector } from '../message.ts';
import type {
  MessageHandler,
  PushConsumer,
  PushConsumerEvents,
  PushConsumerOptions,
} from './push-consumer.ts';
import { DefaultSimpleConsumer, type ReceivedMessage } from './simple-consumer.ts';

const RETRY_DELAYS = parseDelayLevels(DEFAULT_MESSAGE_DELAY_LEVEL);
const MIN_INVISIBLE_MS = 1000;

/**
 * A push consumer in POP mode (`consumeMode: 'POP'`): the broker hands out messages, not queues,
 * so any number of consumers share every queue. It receives in a loop, runs handlers up to
 * consumeThreadMax at once, acknowledges what succeeded and, for a failure, makes the message
 * visible again after the retry delay of its attempt (level 3 + reconsume times: 10 s, 30 s, 1 m,
 * ... capped by popInvisibleTime); the broker moves it to %DLQ%group after the group's maximum.
 * With consumeOrderly, a message group's messages run one at a time in order, and a failure
 * leaves the rest of that group for the redelivery.
 */
export class PopPushConsumer extends EventEmitter implements PushConsumer {
  private readonly client: ClientInstance;
  private readonly ownsClient: boolean;
  private readonly options: PushConsumerOptions;
  private readonly handlers = new Map<string, MessageHandler>();
  private readonly selectors = new Map<string, MessageSelector>();
  private consumer: DefaultSimpleConsumer | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private active = 0;
  private readonly slotFreed: (() => void)[] = [];
  private stop = new AbortController();

  constructor(client: ClientInstance, options: PushConsumerOptions, ownsClient: boolean) {
    super();
    if (!options.consumerGroup)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'consumerGroup is required');
    this.client = client;
    this.options = options;
    this.ownsClient = ownsClient;
  }

  private get threads(): number {
    return Math.max(1, this.options.consumeThreadMax ?? 20);
  }

  private get invisibleTime(): number {
    return Math.max(MIN_INVISIBLE_MS, this.options.popInvisibleTime ?? 60000);
  }

  subscribe(topic: string, selector: MessageSelector, handler: MessageHandler): void {
    this.handlers.set(topic, handler);
    this.selectors.set(topic, selector);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const where = this.options.consumeFromWhere;
    this.consumer = new DefaultSimpleConsumer(
      this.client,
      {
        consumerGroup: this.options.consumerGroup,
        awaitDuration: this.options.brokerSuspendMaxTimeMillis ?? 15000,
        consumeFromWhere:
          where === 'CONSUME_FROM_FIRST_OFFSET' ? where : 'CONSUME_FROM_LAST_OFFSET',
        fifo: this.options.consumeOrderly ?? false,
      },
      false,
    );
    for (const [topic, selector] of this.selectors) this.consumer.subscribe(topic, selector);
    await this.consumer.start();
    this.running = true;
    this.stop = new AbortController();
    this.loop = this.receiveLoop(this.consumer);
  }

  private async receiveLoop(consumer: DefaultSimpleConsumer): Promise<void> {
    while (this.running) {
      while (this.active >= this.threads && this.running)
        await new Promise<void>((r) => this.slotFreed.push(r));
      if (!this.running) break;
      let batch: ReceivedMessage[];
      try {
        batch = await consumer.receive(
          Math.min(this.options.pullBatchSize ?? 32, 32, this.threads - this.active),
          this.invisibleTime,
          { signal: this.stop.signal },
        );
      } catch (err) {
        if (!this.running) break;
        this.fail(err);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (this.options.consumeOrderly) {
        const byGroup = new Map<string, ReceivedMessage[]>();
        for (const m of batch) {
          const key = m.properties.get(MessageConst.PROPERTY_SHARDING_KEY) ?? m.msgId;
          byGroup.set(key, [...(byGroup.get(key) ?? []), m]);
        }
        for (const list of byGroup.values()) this.run(() => this.consumeInOrder(consumer, list));
      } else {
        for (const m of batch) this.run(() => this.consumeOne(consumer, m));
      }
    }
  }

  private run(task: () => Promise<unknown>): void {
    this.active++;
    void task().finally(() => {
      this.active--;
      this.slotFreed.shift()?.();
    });
  }

  /** Runs the handler; true when it succeeded (the message is then acknowledged). */
  private async consumeOne(consumer: DefaultSimpleConsumer, m: ReceivedMessage): Promise<boolean> {
    const handler = this.handlers.get(m.topic);
    let ok = false;
    try {
      ok = (await handler?.(m)) !== 'RECONSUME_LATER';
    } catch (err) {
      this.fail(err);
    }
    try {
      if (ok) await consumer.ack(m);
      else await consumer.changeInvisibleDuration(m, this.retryDelay(m));
    } catch (err) {
      this.fail(err);
    }
    return ok;
  }

  private async consumeInOrder(
    consumer: DefaultSimpleConsumer,
    list: ReceivedMessage[],
  ): Promise<void> {
    for (const m of list) if (!(await this.consumeOne(consumer, m))) return;
  }

  private retryDelay(m: ReceivedMessage): number {
    const orderly = this.options.consumeOrderly ?? false;
    const delay = orderly
      ? (this.options.suspendCurrentQueueTimeMillis ?? 1000)
      : (RETRY_DELAYS[Math.min(RETRY_DELAYS.length, 3 + m.reconsumeTimes) - 1] ?? 10000);
    return Math.max(MIN_INVISIBLE_MS, Math.min(delay, this.invisibleTime));
  }

  private fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stop.abort();
    for (const wake of this.slotFreed.splice(0)) wake();
    await this.loop;
    while (this.active > 0) await new Promise<void>((r) => this.slotFreed.push(r));
    await this.consumer?.shutdown();
    if (this.ownsClient) await this.client.shutdown();
  }

  /** POP assigns messages, not queues. */
  assignment(): MessageQueue[] {
    return [];
  }

  queueStats(): ReturnType<PushConsumer['queueStats']> {
    return [];
  }

  override on<E extends keyof PushConsumerEvents>(
    event: E,
    listener: (...args: PushConsumerEvents[E]) => void,
  ): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}
