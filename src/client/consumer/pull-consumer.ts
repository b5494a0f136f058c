import { MQClientError } from '../client-errors.ts';
import type { ClientInstance, ClientMember } from '../client-instance.ts';
import { selectorOf, type MessageQueue, type MessageSelector } from '../message.ts';
import {
  fetchConsumeOffset,
  pullOnce,
  queueOffset,
  updateConsumeOffset,
  type PullResult,
} from './pull-api.ts';

export interface PullConsumerOptions {
  consumerGroup: string;
}

export interface PullOptions {
  /** Long polling: how long the broker may hold the pull when nothing is new. @defaultValue 0 */
  suspendTimeoutMillis?: number;
}

/** Explicit pulls by queue and offset, for stream processors that keep their own positions. */
export interface PullConsumer {
  start(): Promise<void>;
  fetchSubscribeMessageQueues(topic: string): Promise<MessageQueue[]>;
  pull(
    queue: MessageQueue,
    expression: MessageSelector,
    offset: number,
    maxNums: number,
    options?: PullOptions,
  ): Promise<PullResult>;
  minOffset(queue: MessageQueue): Promise<number>;
  maxOffset(queue: MessageQueue): Promise<number>;
  searchOffset(queue: MessageQueue, timestamp: number): Promise<number>;
  /** The group's committed offset, -1 when none. */
  fetchConsumeOffset(queue: MessageQueue): Promise<number>;
  updateConsumeOffset(queue: MessageQueue, offset: number): Promise<void>;
  shutdown(): Promise<void>;
}

export class DefaultPullConsumer implements PullConsumer {
  private readonly client: ClientInstance;
  private readonly ownsClient: boolean;
  private readonly group: string;
  private readonly topics = new Set<string>();
  private readonly member: ClientMember;
  private running = false;

  constructor(client: ClientInstance, options: PullConsumerOptions, ownsClient: boolean) {
    if (!options.consumerGroup)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'consumerGroup is required');
    this.client = client;
    this.ownsClient = ownsClient;
    this.group = options.consumerGroup;
    this.member = { kind: 'consumer', group: this.group, topics: () => [...this.topics] };
  }

  start(): Promise<void> {
    this.client.register(this.member);
    this.client.start();
    this.running = true;
    return Promise.resolve();
  }

  private check(): void {
    if (!this.running)
      throw new MQClientError(
        'NOT_STARTED',
        'The pull consumer is not started; call start() first',
      );
  }

  async fetchSubscribeMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.check();
    this.topics.add(topic);
    return (await this.client.route(topic)).readQueues;
  }

  async pull(
    queue: MessageQueue,
    expression: MessageSelector,
    offset: number,
    maxNums: number,
    options: PullOptions = {},
  ): Promise<PullResult> {
    this.check();
    this.topics.add(queue.topic);
    const selector = selectorOf(expression);
    return await pullOnce(this.client, {
      group: this.group,
      queue,
      expression: selector.expression,
      expressionType: selector.type,
      offset,
      maxNums,
      ...(options.suspendTimeoutMillis !== undefined
        ? { suspendTimeoutMillis: options.suspendTimeoutMillis }
        : {}),
    });
  }

  minOffset(queue: MessageQueue): Promise<number> {
    return queueOffset(this.client, queue, 'min');
  }

  maxOffset(queue: MessageQueue): Promise<number> {
    return queueOffset(this.client, queue, 'max');
  }

  searchOffset(queue: MessageQueue, timestamp: number): Promise<number> {
    return queueOffset(this.client, queue, 'time', timestamp);
  }

  fetchConsumeOffset(queue: MessageQueue): Promise<number> {
    return fetchConsumeOffset(this.client, this.group, queue);
  }

  updateConsumeOffset(queue: MessageQueue, offset: number): Promise<void> {
    return updateConsumeOffset(this.client, this.group, queue, offset);
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.client.unregister(this.member);
    if (this.ownsClient) await this.client.shutdown();
  }
}
