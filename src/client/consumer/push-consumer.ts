import { EventEmitter } from 'node:events';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import type { ConsumerData } from '../../common/protocol-data/heartbeat-data.ts';
import { MQClientError } from '../client-errors.ts';
import type { ClientInstance, ClientMember } from '../client-instance.ts';
import {
  messageQueueKey,
  selectorOf,
  type MessageQueue,
  type MessageSelector,
  type MessageView,
} from '../message.ts';
import { allocateAveragely } from '../rebalance/allocate-averagely.ts';
import { fetchConsumerIds } from '../rebalance/consumer-ids.ts';
import { abortable } from '../abortable.ts';
import { startOffset, type ConsumeFromWhere } from './consume-from-where.ts';
import { pullOnce, updateConsumeOffset } from './pull-api.ts';
import { ProcessQueue } from './process-queue.ts';
import { LocalOffsetStore } from './local-offset-store.ts';
import type { QueueOffset } from '../../common/protocol-data/reset-offset-body.ts';

/** What a handler returns: nothing or CONSUME_SUCCESS = done; RECONSUME_LATER (or a throw) = retry. */
export type ConsumeResult = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';
/** A handler may be async or not: returning (or resolving) is success, throwing is a retry. */
export type MessageHandler = (
  message: MessageView,
) => Promise<ConsumeResult | void> | ConsumeResult | void;
export type AllocateStrategy = (
  queues: readonly MessageQueue[],
  clientIds: readonly string[],
  me: string,
) => MessageQueue[];

export interface PushConsumerOptions {
  consumerGroup: string;
  /** @defaultValue "CLUSTERING" */
  messageModel?: 'CLUSTERING' | 'BROADCASTING';
  /** @defaultValue "CONSUME_FROM_LAST_OFFSET" */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP, ms since the epoch. @defaultValue 30 minutes ago */
  consumeTimestamp?: number;
  /** Handlers running at once, across queues. @defaultValue 20 */
  consumeThreadMax?: number;
  /** @defaultValue 32 */
  pullBatchSize?: number;
  /** Messages held per queue before its pulling pauses. @defaultValue 1000 */
  pullThresholdForQueue?: number;
  /** MiB of bodies held per queue before its pulling pauses. @defaultValue 100 */
  pullThresholdSizeForQueue?: number;
  /** Deliveries before a message goes to %DLQ%group. @defaultValue 16 */
  maxReconsumeTimes?: number;
  /** @defaultValue 5000 */
  persistConsumerOffsetInterval?: number;
  /** @defaultValue 20000 */
  rebalanceInterval?: number;
  /** @defaultValue RocketMQ's averagely strategy */
  allocateStrategy?: AllocateStrategy;
  /** @defaultValue 15000 */
  brokerSuspendMaxTimeMillis?: number;
  /** Broadcasting offsets file. @defaultValue ~/.rocketmq_offsets/<clientId>/<group>/offsets.json */
  offsetStorePath?: string;
  /**
   * Orderly: each queue is locked at its broker and consumed one message at a time, in queue
   * order; a failed message is retried in place after suspendCurrentQueueTimeMillis.
   * @defaultValue false
   */
  consumeOrderly?: boolean;
  /** @defaultValue 1000 */
  suspendCurrentQueueTimeMillis?: number;
  /**
   * PULL: queues are divided among the group's consumers (rebalance). POP: the broker hands out
   * messages to any consumer of the group (RocketMQ 5's message-level load balancing).
   * @defaultValue "PULL"
   */
  consumeMode?: 'PULL' | 'POP';
  /** POP: ms a received message stays invisible to the group while its handler runs. @defaultValue 60000 */
  popInvisibleTime?: number;
}

/** Typed events: `rebalance` with the queues now owned, `error` for failures the consumer retries itself. */
export interface PushConsumerEvents {
  rebalance: [queues: MessageQueue[]];
  error: [error: Error];
}

export interface PushConsumer {
  /**
   * Registers the handler of a topic's messages: a tag expression ("*", "TagA || TagB") or
   * `{ type: 'SQL92', expression }` (needs enablePropertyFilter on the broker); call before start().
   */
  subscribe(topic: string, selector: MessageSelector, handler: MessageHandler): void;
  start(): Promise<void>;
  /** Stops pulling, waits for running handlers, commits offsets, leaves the group. */
  shutdown(): Promise<void>;
  /** Queues this instance consumes now. */
  assignment(): MessageQueue[];
  /**
   * Messages and body bytes held per queue (taken, not finished): what flow control bounds;
   * `flowControlled` while the queue's pulling is paused because it holds its threshold.
   */
  queueStats(): {
    queue: MessageQueue;
    cachedMessages: number;
    cachedBytes: number;
    flowControlled: boolean;
  }[];
  on<E extends keyof PushConsumerEvents>(
    event: E,
    listener: (...args: PushConsumerEvents[E]) => void,
  ): this;
}

interface Subscription {
  expression: string;
  type: 'TAG' | 'SQL92';
  handler: MessageHandler;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RETRY_PREFIX = '%RETRY%';

/** RocketMQ's DefaultMQPushConsumer, concurrent mode. */
export class DefaultPushConsumer extends EventEmitter implements PushConsumer {
  private readonly client: ClientInstance;
  private readonly ownsClient: boolean;
  private readonly o: Required<Omit<PushConsumerOptions, 'offsetStorePath'>> & {
    offsetStorePath: string | undefined;
  };
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly queues = new Map<string, { pq: ProcessQueue; interrupt: AbortController }>();
  private readonly member: ClientMember;
  private localOffsets: LocalOffsetStore | undefined;
  private running = false;
  private timers: NodeJS.Timeout[] = [];
  private rebalancing: Promise<void> | undefined;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idle: (() => void)[] = [];

  constructor(client: ClientInstance, options: PushConsumerOptions, ownsClient: boolean) {
    super();
    if (!options.consumerGroup)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'consumerGroup is required');
    this.client = client;
    this.ownsClient = ownsClient;
    this.o = {
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      consumeTimestamp: Date.now() - 30 * 60 * 1000,
      consumeThreadMax: 20,
      pullBatchSize: 32,
      pullThresholdForQueue: 1000,
      pullThresholdSizeForQueue: 100,
      maxReconsumeTimes: 16,
      persistConsumerOffsetInterval: 5000,
      rebalanceInterval: 20000,
      allocateStrategy: allocateAveragely,
      brokerSuspendMaxTimeMillis: 15000,
      consumeOrderly: false,
      suspendCurrentQueueTimeMillis: 1000,
      consumeMode: 'PULL',
      popInvisibleTime: 60000,
      ...options,
      offsetStorePath: options.offsetStorePath,
    };
    this.member = {
      kind: 'consumer',
      group: options.consumerGroup,
      topics: () => [...this.subscriptions.keys()],
      consumerData: () => this.consumerData(),
      onConsumerIdsChanged: () => void this.rebalance(),
      onResetOffset: (topic, offsets) => void this.resetOffsets(topic, offsets),
    };
  }

  /** Failures the consumer recovers from itself: to `error` listeners, else to the log (never a crash). */
  private report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else
      this.client.logger.warn(
        { err: error.message, group: this.o.consumerGroup },
        'Push consumer error',
      );
  }

  private get broadcasting(): boolean {
    return this.o.messageModel === 'BROADCASTING';
  }

  subscribe(topic: string, selector: MessageSelector, handler: MessageHandler): void {
    if (this.running) throw new MQClientError('ILLEGAL_ARGUMENT', 'subscribe() before start()');
    const { type, expression } = selectorOf(selector);
    this.subscriptions.set(topic, { expression, type, handler });
  }

  private consumerData(): ConsumerData {
    return {
      groupName: this.o.consumerGroup,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.o.messageModel,
      consumeFromWhere: this.o.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions].map(([topic, s]) => ({
        topic,
        subString: s.expression,
        expressionType: s.type,
      })),
      unitMode: false,
    };
  }

  async start(): Promise<void> {
    if (this.subscriptions.size === 0)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'Subscribe to at least one topic before start()');
    if (!this.broadcasting) {
      // Failed messages come back through the group's retry topic, handled by the original topic's handler.
      const retry = RETRY_PREFIX + this.o.consumerGroup;
      if (!this.subscriptions.has(retry)) {
        this.subscriptions.set(retry, {
          expression: '*',
          type: 'TAG',
          handler: (m) => this.dispatch(m),
        });
      }
    } else {
      this.localOffsets = new LocalOffsetStore(
        this.o.offsetStorePath ??
          join(
            homedir(),
            '.rocketmq_offsets',
            this.client.clientId,
            this.o.consumerGroup,
            'offsets.json',
          ),
      );
    }
    this.running = true;
    try {
      await this.client.announceConsumer(this.member, this.subscriptions.keys());
    } catch (err) {
      this.running = false;
      if (this.ownsClient) await this.client.shutdown();
      throw err;
    }
    this.timers.push(
      setInterval(() => void this.persistOffsets(), this.o.persistConsumerOffsetInterval),
      setInterval(() => void this.rebalance(), this.o.rebalanceInterval),
    );
    if (this.orderly) this.timers.push(setInterval(() => void this.renewLocks(), 20000));
    await this.rebalance();
  }

  assignment(): MessageQueue[] {
    return [...this.queues.values()].map((q) => q.pq.queue);
  }

  queueStats(): ReturnType<PushConsumer['queueStats']> {
    return [...this.queues.values()].map(({ pq }) => ({
      queue: pq.queue,
      cachedMessages: pq.count,
      cachedBytes: pq.sizeBytes,
      flowControlled: pq.flowControlled,
    }));
  }

  /** Routes a message to its topic's handler (retry messages carry the original topic). */
  private async dispatch(message: MessageView): Promise<ConsumeResult | void> {
    const sub = this.subscriptions.get(message.topic);
    if (!sub || message.topic.startsWith(RETRY_PREFIX)) return 'CONSUME_SUCCESS';
    return await sub.handler(message);
  }

  private rebalance(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.rebalancing) return this.rebalancing;
    const run: Promise<void> = this.doRebalance()
      .catch((err: unknown) => {
        this.report(err);
      })
      .finally(() => {
        this.rebalancing = undefined;
      });
    this.rebalancing = run;
    return run;
  }

  private async doRebalance(): Promise<void> {
    const wanted = new Map<string, MessageQueue>();
    for (const topic of this.subscriptions.keys()) {
      let route;
      try {
        route = await this.client.route(topic);
      } catch {
        continue; // no route yet (a retry topic before any failure): try at the next rebalance
      }
      let mine = route.readQueues;
      if (!this.broadcasting) {
        const ids = await fetchConsumerIds(this.client, route, this.o.consumerGroup);
        if (!ids) continue;
        mine = this.o.allocateStrategy(route.readQueues, ids, this.client.clientId);
      }
      for (const q of mine) wanted.set(messageQueueKey(q), q);
    }
    let changed = false;
    for (const [key, entry] of [...this.queues]) {
      if (wanted.has(key)) continue;
      entry.pq.dropped = true;
      entry.interrupt.abort();
      this.queues.delete(key);
      await entry.pq.worker;
      await this.commit(entry.pq);
      if (this.orderly) await this.lockBatch([entry.pq.queue], false);
      changed = true;
    }
    const fresh = [...wanted].filter(([key]) => !this.queues.has(key)).map(([, q]) => q);
    const lockedKeys = this.orderly
      ? new Set((await this.lockBatch(fresh, true)).map(messageQueueKey))
      : undefined;
    for (const [key, q] of wanted) {
      if (this.queues.has(key)) continue;
      if (lockedKeys && !lockedKeys.has(key)) continue; // another member still holds it: next rebalance
      const offset = await this.initialOffset(q);
      const entry = { pq: new ProcessQueue(q, offset), interrupt: new AbortController() };
      this.queues.set(key, entry);
      void this.pullLoop(entry, offset);
      changed = true;
    }
    if (changed) this.emit('rebalance', this.assignment());
  }

  private get orderly(): boolean {
    return this.o.consumeOrderly && !this.broadcasting;
  }

  /** LOCK_BATCH_MQ (or UNLOCK_BATCH_MQ) per broker; returns the queues locked by this client. */
  private async lockBatch(queues: readonly MessageQueue[], lock: boolean): Promise<MessageQueue[]> {
    const byBroker = new Map<string, MessageQueue[]>();
    for (const q of queues) byBroker.set(q.brokerName, [...(byBroker.get(q.brokerName) ?? []), q]);
    const locked: MessageQueue[] = [];
    for (const [brokerName, mqSet] of byBroker) {
      const addr = this.client.masterAddr(brokerName);
      if (!addr) continue;
      const body = Buffer.from(
        JSON.stringify({
          consumerGroup: this.o.consumerGroup,
          clientId: this.client.clientId,
          mqSet,
        }),
      );
      try {
        const res = await this.client.call(
          addr,
          lock ? 'Lock queues' : 'Unlock queues',
          createRequest(
            lock ? RequestCode.LOCK_BATCH_MQ : RequestCode.UNLOCK_BATCH_MQ,
            0,
            {},
            body,
          ),
        );
        if (lock)
          locked.push(
            ...((JSON.parse(res.body?.toString('utf8') ?? '{}') as { lockOKMQSet?: MessageQueue[] })
              .lockOKMQSet ?? []),
          );
      } catch (err) {
        this.report(err);
      }
    }
    return locked;
  }

  /** Renews the locks of owned queues; a queue whose lock is lost stops being consumed. */
  private async renewLocks(): Promise<void> {
    const owned = this.assignment();
    if (owned.length === 0) return;
    const kept = new Set((await this.lockBatch(owned, true)).map(messageQueueKey));
    for (const [key, entry] of this.queues) {
      if (kept.has(key)) continue;
      entry.pq.dropped = true;
      entry.interrupt.abort();
      this.queues.delete(key);
    }
  }

  /**
   * An admin reset the group's offsets (RESET_CONSUMER_CLIENT_OFFSET): each queue's held messages
   * are dropped (handlers already running finish, but no longer count) and pulling starts over
   * at the new offset, which is committed at once so that no late commit of the old position wins.
   */
  private async resetOffsets(topic: string, offsets: readonly QueueOffset[]): Promise<void> {
    // A rebalance replaces queue entries too: reset between rebalances, never during one.
    while (this.rebalancing) await this.rebalancing;
    if (!this.running) return;
    for (const { messageQueue, offset } of offsets) {
      if (messageQueue.topic !== topic || !Number.isSafeInteger(offset) || offset < 0) continue;
      const key = messageQueueKey(messageQueue);
      const old = this.queues.get(key);
      if (!old) continue;
      old.pq.dropped = true;
      old.interrupt.abort();
      const entry = {
        pq: new ProcessQueue(old.pq.queue, offset),
        interrupt: new AbortController(),
      };
      this.queues.set(key, entry);
      this.localOffsets?.update(key, offset);
      const previous = old.pq.worker;
      void (async () => {
        await previous; // orderly: the message being handled finishes before the queue restarts
        void this.commit(entry.pq);
        await this.pullLoop(entry, offset);
      })();
    }
    this.client.logger.info({ group: this.o.consumerGroup, topic, offsets }, 'Offsets reset');
  }

  private async initialOffset(q: MessageQueue): Promise<number> {
    if (this.localOffsets) {
      const local = this.localOffsets.read(messageQueueKey(q));
      if (local >= 0) return local;
      const fresh = `${this.o.consumerGroup}-broadcast-${this.client.clientId}`;
      return startOffset(this.client, fresh, q, this.o.consumeFromWhere, this.o.consumeTimestamp);
    }
    return startOffset(
      this.client,
      this.o.consumerGroup,
      q,
      this.o.consumeFromWhere,
      this.o.consumeTimestamp,
    );
  }

  private async pullLoop(
    entry: { pq: ProcessQueue; interrupt: AbortController },
    start: number,
  ): Promise<void> {
    const { pq } = entry;
    const sub = this.subscriptions.get(pq.queue.topic);
    let offset = start;
    while (this.running && !pq.dropped) {
      if (
        pq.count >= this.o.pullThresholdForQueue ||
        pq.sizeBytes >= this.o.pullThresholdSizeForQueue * 1024 * 1024
      ) {
        pq.flowControlled = true;
        await sleep(50); // flow control: let handlers catch up
        continue;
      }
      pq.flowControlled = false;
      try {
        const r = await abortable(
          pullOnce(this.client, {
            group: this.o.consumerGroup,
            queue: pq.queue,
            expression: sub?.expression ?? '*',
            expressionType: sub?.type ?? 'TAG',
            offset,
            maxNums: this.o.pullBatchSize,
            suspendTimeoutMillis: this.o.brokerSuspendMaxTimeMillis,
          }),
          entry.interrupt.signal,
          'Pull',
        );
        if (pq.dropped) return;
        pq.add(r.messages);
        if (r.messages.length === 0) pq.advanceTo(r.nextBeginOffset);
        offset = r.nextBeginOffset;
        if (this.orderly) {
          if (r.messages.length > 0 && !pq.worker) pq.worker = this.consumeOrderly(pq);
        } else for (const m of r.messages) void this.consume(pq, m);
      } catch (err) {
        if (!this.running || pq.dropped) return;
        this.report(err);
        await sleep(1000);
      }
    }
  }

  /** Runs one handler in the pool; a failure goes back to the broker as a retry. */
  private async consume(pq: ProcessQueue, message: MessageView): Promise<void> {
    await this.acquire();
    try {
      // A dropped queue (rebalanced away or reset) is pulled again from its committed offset.
      if (pq.dropped) return;
      let ok: boolean;
      try {
        const result = await this.dispatch(message);
        ok = result !== 'RECONSUME_LATER';
      } catch {
        ok = false;
      }
      if (pq.dropped) return;
      if (!ok && !this.broadcasting && !(await this.sendBack(message))) {
        // The broker could not take it back: run it again here later.
        setTimeout(() => void this.consume(pq, message), 1000);
        return;
      }
      pq.finish(message);
    } finally {
      this.release();
    }
  }

  /** One message at a time, in queue order; a failure is retried in place, then dead-lettered. */
  private async consumeOrderly(pq: ProcessQueue): Promise<void> {
    try {
      for (let m = pq.first(); m && !pq.dropped && this.running; m = pq.first()) {
        let attempts = 0;
        for (;;) {
          await this.acquire();
          let ok: boolean;
          try {
            ok =
              (await this.dispatch({ ...m, reconsumeTimes: m.reconsumeTimes + attempts })) !==
              'RECONSUME_LATER';
          } catch {
            ok = false;
          } finally {
            this.release();
          }
          if (ok) break;
          attempts++;
          if (attempts > this.o.maxReconsumeTimes && (await this.sendBack(m, -1))) break;
          if (pq.dropped || !this.running) return;
          await sleep(this.o.suspendCurrentQueueTimeMillis);
        }
        pq.finish(m);
      }
    } finally {
      pq.worker = undefined;
      // Messages that arrived while the last one finished get a new worker.
      if (pq.first() && !pq.dropped && this.running) pq.worker = this.consumeOrderly(pq);
    }
  }

  private async sendBack(message: MessageView, delayLevel = 0): Promise<boolean> {
    const addr = this.client.masterAddr(message.brokerName);
    if (!addr) return false;
    try {
      await this.client.call(
        addr,
        'Send back',
        createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, 0, {
          offset: String(message.commitLogOffset),
          group: this.o.consumerGroup,
          delayLevel: String(delayLevel),
          originMsgId: message.msgId,
          originTopic: message.topic,
          unitMode: 'false',
          maxReconsumeTimes: String(this.o.maxReconsumeTimes),
        }),
      );
      return true;
    } catch (err) {
      this.report(err);
      return false;
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.o.consumeThreadMax) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.active++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) next();
    else if (this.active === 0) for (const w of this.idle.splice(0)) w();
  }

  private async commit(pq: ProcessQueue): Promise<void> {
    const offset = pq.commitOffset();
    if (this.localOffsets) {
      this.localOffsets.update(messageQueueKey(pq.queue), offset);
      return;
    }
    await updateConsumeOffset(this.client, this.o.consumerGroup, pq.queue, offset).catch(
      (err: unknown) => this.report(err),
    );
  }

  private async persistOffsets(): Promise<void> {
    for (const { pq } of this.queues.values()) await this.commit(pq);
    this.localOffsets?.persist();
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.rebalancing;
    this.running = false;
    for (const { interrupt } of this.queues.values()) interrupt.abort();
    if (this.active > 0) await new Promise<void>((r) => this.idle.push(r));
    for (const { pq } of this.queues.values()) await pq.worker;
    await this.persistOffsets();
    if (this.orderly) await this.lockBatch(this.assignment(), false);
    this.queues.clear();
    await this.client.unregister(this.member);
    if (this.ownsClient) await this.client.shutdown();
  }
}
