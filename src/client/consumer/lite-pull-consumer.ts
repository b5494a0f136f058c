import type { ConsumerData } from '../../common/protocol-data/heartbeat-data.ts';
import { MQClientError } from '../client-errors.ts';
import type { ClientInstance, ClientMember } from '../client-instance.ts';
import { messageQueueKey, type MessageQueue, type MessageView } from '../message.ts';
import { allocateAveragely } from '../rebalance/allocate-averagely.ts';
import { fetchConsumerIds } from '../rebalance/consumer-ids.ts';
import { startOffset, type ConsumeFromWhere } from './consume-from-where.ts';
import { pullOnce, updateConsumeOffset } from './pull-api.ts';
import { abortable } from '../abortable.ts';

export interface LitePullConsumerOptions {
  consumerGroup: string;
  /** @defaultValue "CONSUME_FROM_LAST_OFFSET" */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, ms since the epoch. @defaultValue 30 minutes ago */
  consumeTimestamp?: number;
  /** Most messages one poll() returns and one pull fetches. @defaultValue 32 */
  pullBatchSize?: number;
  /** Commit consumed offsets every autoCommitIntervalMillis and at shutdown. @defaultValue true */
  autoCommit?: boolean;
  /** @defaultValue 5000 */
  autoCommitIntervalMillis?: number;
  /** Messages buffered per queue before its pulling pauses. @defaultValue 1000 */
  pullThresholdForQueue?: number;
  /** How long poll() waits for messages when none are buffered. @defaultValue 5000 */
  pollTimeoutMillis?: number;
  /** How long the broker may hold a pull that finds nothing. @defaultValue 15000 */
  brokerSuspendMaxTimeMillis?: number;
  /** @defaultValue 20000 */
  rebalanceInterval?: number;
}

export interface LitePullConsumer extends AsyncIterable<MessageView> {
  start(): Promise<void>;
  /** Consume a topic with the group: its queues are shared among the group's members. */
  subscribe(topic: string, expression?: string): Promise<void>;
  /** Read exactly these queues (no group rebalancing). */
  assign(queues: readonly MessageQueue[], expression?: string): Promise<void>;
  assignment(): MessageQueue[];
  /**
   * Messages buffered per assigned queue (pulled, not yet polled); `flowControlled` while the
   * queue's pulling is paused because it holds pullThresholdForQueue of them.
   */
  queueStats(): { queue: MessageQueue; cachedMessages: number; flowControlled: boolean }[];
  /** Up to pullBatchSize buffered messages; waits up to `timeoutMs` when there are none. */
  poll(timeoutMs?: number, signal?: AbortSignal): Promise<MessageView[]>;
  /** Continue a queue from `offset`; buffered messages of that queue are dropped. */
  seek(queue: MessageQueue, offset: number): void;
  /** Commits, for each queue, the offset after the last message poll() returned. */
  commit(): Promise<void>;
  shutdown(): Promise<void>;
}

interface QueueReader {
  queue: MessageQueue;
  expression: string;
  nextPullOffset: number;
  /** Offset after the last message handed out by poll(). */
  consumedOffset: number;
  committedOffset: number;
  buffered: number;
  /** Pulling is paused until poll() drains the buffer below the threshold. */
  flowControlled: boolean;
  generation: number;
  stopped: boolean;
  /** Aborts waiting on the pull in flight (seek, unassign, shutdown); its answer is then dropped. */
  interrupt: AbortController;
}

interface PulledBatch {
  reader: QueueReader;
  generation: number;
  messages: MessageView[];
  next: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RocketMQ's DefaultLitePullConsumer: background pulls into a buffer, poll() to take. */
export class DefaultLitePullConsumer implements LitePullConsumer {
  private readonly client: ClientInstance;
  private readonly ownsClient: boolean;
  private readonly o: Required<LitePullConsumerOptions>;
  private readonly readers = new Map<string, QueueReader>();
  private readonly subscriptions = new Map<string, string>();
  /** Pulled batches not yet handed out by poll(), oldest first; `next` is the first not taken. */
  private buffer: PulledBatch[] = [];
  private waiters: (() => void)[] = [];
  private readonly member: ClientMember;
  private running = false;
  private timers: NodeJS.Timeout[] = [];
  private rebalancing: Promise<void> | undefined;

  constructor(client: ClientInstance, options: LitePullConsumerOptions, ownsClient: boolean) {
    if (!options.consumerGroup)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'consumerGroup is required');
    this.client = client;
    this.ownsClient = ownsClient;
    this.o = {
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      consumeTimestamp: Date.now() - 30 * 60 * 1000,
      pullBatchSize: 32,
      autoCommit: true,
      autoCommitIntervalMillis: 5000,
      pullThresholdForQueue: 1000,
      pollTimeoutMillis: 5000,
      brokerSuspendMaxTimeMillis: 15000,
      rebalanceInterval: 20000,
      ...options,
    };
    this.member = {
      kind: 'consumer',
      group: options.consumerGroup,
      topics: () => [
        ...this.subscriptions.keys(),
        ...[...this.readers.values()].map((r) => r.queue.topic),
      ],
      consumerData: () => this.consumerData(),
      onConsumerIdsChanged: () => void this.rebalance(),
      // An admin reset the group's offsets (RESET_CONSUMER_CLIENT_OFFSET): continue from them.
      onResetOffset: (topic, offsets) => {
        for (const { messageQueue, offset } of offsets) {
          if (messageQueue.topic !== topic || !Number.isSafeInteger(offset) || offset < 0) continue;
          if (this.readers.has(messageQueueKey(messageQueue))) this.seek(messageQueue, offset);
        }
      },
    };
  }

  private consumerData(): ConsumerData {
    return {
      groupName: this.o.consumerGroup,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: this.o.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions].map(([topic, subString]) => ({
        topic,
        subString,
        expressionType: 'TAG',
      })),
      unitMode: false,
    };
  }

  start(): Promise<void> {
    this.client.register(this.member);
    this.client.start();
    this.running = true;
    if (this.o.autoCommit)
      this.timers.push(
        setInterval(
          () => void this.commit().catch(() => undefined),
          this.o.autoCommitIntervalMillis,
        ),
      );
    this.timers.push(setInterval(() => void this.rebalance(), this.o.rebalanceInterval));
    return Promise.resolve();
  }

  async subscribe(topic: string, expression = '*'): Promise<void> {
    if (!this.running)
      throw new MQClientError('NOT_STARTED', 'The consumer is not started; call start() first');
    this.subscriptions.set(topic, expression);
    await this.client.route(topic);
    await this.client.sendHeartbeatToAllBrokers();
    await this.rebalance();
  }

  async assign(queues: readonly MessageQueue[], expression = '*'): Promise<void> {
    if (!this.running)
      throw new MQClientError('NOT_STARTED', 'The consumer is not started; call start() first');
    const wanted = new Set(queues.map(messageQueueKey));
    for (const [key, r] of this.readers) if (!wanted.has(key)) await this.removeReader(key, r);
    for (const q of queues)
      if (!this.readers.has(messageQueueKey(q))) await this.addReader(q, expression);
  }

  assignment(): MessageQueue[] {
    return [...this.readers.values()].map((r) => r.queue);
  }

  queueStats(): ReturnType<LitePullConsumer['queueStats']> {
    return [...this.readers.values()].map((r) => ({
      queue: r.queue,
      cachedMessages: r.buffered,
      flowControlled: r.flowControlled,
    }));
  }

  /** Shares subscribed topics' queues with the group (averagely), starting and stopping readers. */
  private rebalance(): Promise<void> {
    if (!this.running || this.subscriptions.size === 0) return Promise.resolve();
    this.rebalancing ??= this.doRebalance()
      .catch((err: unknown) =>
        this.client.logger.warn({ err: (err as Error).message }, 'Rebalance failed'),
      )
      .finally(() => {
        this.rebalancing = undefined;
      });
    return this.rebalancing;
  }

  private async doRebalance(): Promise<void> {
    const wanted = new Map<string, { queue: MessageQueue; expression: string }>();
    for (const [topic, expression] of this.subscriptions) {
      const route = await this.client.route(topic);
      const ids = await fetchConsumerIds(this.client, route, this.o.consumerGroup);
      if (!ids) continue;
      for (const q of allocateAveragely(route.readQueues, ids, this.client.clientId))
        wanted.set(messageQueueKey(q), { queue: q, expression });
    }
    for (const [key, r] of this.readers) if (!wanted.has(key)) await this.removeReader(key, r);
    for (const [key, w] of wanted)
      if (!this.readers.has(key)) await this.addReader(w.queue, w.expression);
  }

  private async addReader(queue: MessageQueue, expression: string): Promise<void> {
    const offset = await startOffset(
      this.client,
      this.o.consumerGroup,
      queue,
      this.o.consumeFromWhere,
      this.o.consumeTimestamp,
    );
    const reader: QueueReader = {
      queue,
      expression,
      nextPullOffset: offset,
      consumedOffset: offset,
      committedOffset: offset,
      buffered: 0,
      flowControlled: false,
      generation: 0,
      stopped: false,
      interrupt: new AbortController(),
    };
    this.readers.set(messageQueueKey(queue), reader);
    void this.pullLoop(reader);
  }

  private interrupt(reader: QueueReader): void {
    const old = reader.interrupt;
    reader.interrupt = new AbortController();
    old.abort();
  }

  private async removeReader(key: string, reader: QueueReader): Promise<void> {
    reader.stopped = true;
    this.interrupt(reader);
    this.readers.delete(key);
    this.dropBuffered(reader);
    if (reader.consumedOffset > reader.committedOffset) {
      await updateConsumeOffset(
        this.client,
        this.o.consumerGroup,
        reader.queue,
        reader.consumedOffset,
      ).catch(() => undefined);
    }
  }

  private async pullLoop(reader: QueueReader): Promise<void> {
    while (this.running && !reader.stopped) {
      if (reader.buffered >= this.o.pullThresholdForQueue) {
        reader.flowControlled = true;
        await sleep(50); // flow control: wait for poll() to drain this queue
        continue;
      }
      reader.flowControlled = false;
      const generation = reader.generation;
      try {
        const r = await abortable(
          pullOnce(this.client, {
            group: this.o.consumerGroup,
            queue: reader.queue,
            expression: reader.expression,
            offset: reader.nextPullOffset,
            maxNums: this.o.pullBatchSize,
            suspendTimeoutMillis: this.o.brokerSuspendMaxTimeMillis,
          }),
          reader.interrupt.signal,
          'Pull',
        );
        if (reader.stopped || generation !== reader.generation) continue;
        reader.nextPullOffset = r.nextBeginOffset;
        if (r.pullStatus === 'OFFSET_ILLEGAL') reader.consumedOffset = r.nextBeginOffset;
        if (r.messages.length > 0)
          this.buffer.push({ reader, generation, messages: r.messages, next: 0 });
        reader.buffered += r.messages.length;
        if (r.messages.length > 0) for (const w of this.waiters.splice(0)) w();
      } catch (err) {
        if (!this.running || reader.stopped) return;
        if (err instanceof MQClientError && err.code === 'ABORTED') continue;
        this.client.logger.debug(
          { err: (err as Error).message, queue: reader.queue },
          'Pull failed; retrying in 1 s',
        );
        await sleep(1000);
      }
    }
  }

  async poll(timeoutMs = this.o.pollTimeoutMillis, signal?: AbortSignal): Promise<MessageView[]> {
    if (!this.running) return [];
    if (this.buffer.length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal?.addEventListener('abort', done, { once: true });
        this.waiters.push(done);
      });
    }
    const out: MessageView[] = [];
    while (out.length < this.o.pullBatchSize && this.buffer.length > 0) {
      const b = this.buffer[0] as PulledBatch;
      const stale = b.generation !== b.reader.generation || b.reader.stopped;
      const n = stale
        ? b.messages.length - b.next
        : Math.min(b.messages.length - b.next, this.o.pullBatchSize - out.length);
      if (!stale) {
        for (let i = b.next; i < b.next + n; i++) out.push(b.messages[i] as MessageView);
        b.reader.consumedOffset = (out[out.length - 1] as MessageView).queueOffset + 1;
      }
      b.reader.buffered -= n;
      b.next += n;
      if (b.next >= b.messages.length) this.buffer.shift();
    }
    return out;
  }

  /** Drops what is buffered for `reader` (seek, unassign). */
  private dropBuffered(reader: QueueReader): void {
    this.buffer = this.buffer.filter((b) => {
      if (b.reader !== reader) return true;
      reader.buffered -= b.messages.length - b.next;
      return false;
    });
  }

  seek(queue: MessageQueue, offset: number): void {
    const reader = this.readers.get(messageQueueKey(queue));
    if (!reader)
      throw new MQClientError(
        'ILLEGAL_ARGUMENT',
        `The queue ${messageQueueKey(queue)} is not assigned to this consumer`,
      );
    reader.generation++;
    this.interrupt(reader);
    reader.nextPullOffset = offset;
    reader.consumedOffset = offset;
    this.dropBuffered(reader);
  }

  async commit(): Promise<void> {
    for (const r of this.readers.values()) {
      if (r.consumedOffset === r.committedOffset) continue;
      const offset = r.consumedOffset;
      await updateConsumeOffset(this.client, this.o.consumerGroup, r.queue, offset);
      r.committedOffset = offset;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MessageView> {
    while (this.running) {
      for (const m of await this.poll()) yield m;
    }
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.rebalancing;
    if (this.o.autoCommit) await this.commit().catch(() => undefined);
    this.running = false;
    for (const r of this.readers.values()) {
      r.stopped = true;
      this.interrupt(r);
    }
    for (const w of this.waiters.splice(0)) w();
    await this.client.unregister(this.member);
    if (this.ownsClient) await this.client.shutdown();
  }
}
