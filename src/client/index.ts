/**
 * The rocketmq-ts SDK (`rocketmq-ts/client`): producers and consumers over the RocketMQ Remoting
 * protocol. Create one client per process and name-server list with `createClient()` and make
 * producers and consumers from it so they share connections, routes and heartbeats; the
 * standalone factories create a private client each.
 */
import { ClientInstance, type ClientEvents } from './client-instance.ts';
import {
  DefaultPushConsumer,
  type PushConsumer,
  type PushConsumerOptions,
} from './consumer/push-consumer.ts';
import type { ClientOptions } from './client-options.ts';
import { PopPushConsumer } from './consumer/pop-push-consumer.ts';
import {
  DefaultSimpleConsumer,
  type SimpleConsumer,
  type SimpleConsumerOptions,
} from './consumer/simple-consumer.ts';
import { DefaultProducer, type Producer, type ProducerOptions } from './producer/producer.ts';
import {
  DefaultTransactionProducer,
  type TransactionProducer,
  type TransactionProducerOptions,
} from './producer/transaction-producer.ts';
import {
  DefaultLitePullConsumer,
  type LitePullConsumer,
  type LitePullConsumerOptions,
} from './consumer/lite-pull-consumer.ts';
import {
  DefaultPullConsumer,
  type PullConsumer,
  type PullConsumerOptions,
} from './consumer/pull-consumer.ts';

export interface Client {
  readonly clientId: string;
  createProducer(options: ProducerOptions): Producer;
  createTransactionProducer(options: TransactionProducerOptions): TransactionProducer;
  createPullConsumer(options: PullConsumerOptions): PullConsumer;
  createPushConsumer(options: PushConsumerOptions): PushConsumer;
  createLitePullConsumer(options: LitePullConsumerOptions): LitePullConsumer;
  /** Message-level consumption (POP): receive, ack, change invisible duration. */
  createSimpleConsumer(options: SimpleConsumerOptions): SimpleConsumer;
  /** Closes connections; shut producers and consumers down first. */
  shutdown(): Promise<void>;
  /** `connectionUp` / `connectionDown` with the server address. */
  on(event: keyof ClientEvents, listener: (addr: string) => void): Client;
}

export function createClient(options: ClientOptions): Client {
  const instance = new ClientInstance(options);
  return {
    clientId: instance.clientId,
    createProducer: (o) => new DefaultProducer(instance, o, false),
    createTransactionProducer: (o) => new DefaultTransactionProducer(instance, o, false),
    createPullConsumer: (o) => new DefaultPullConsumer(instance, o, false),
    createPushConsumer: (o) =>
      o.consumeMode === 'POP'
        ? new PopPushConsumer(instance, o, false)
        : new DefaultPushConsumer(instance, o, false),
    createLitePullConsumer: (o) => new DefaultLitePullConsumer(instance, o, false),
    createSimpleConsumer: (o) => new DefaultSimpleConsumer(instance, o, false),
    shutdown: () => instance.shutdown(),
    on(event, listener) {
      instance.on(event, listener);
      return this;
    },
  };
}

/** A producer with its own client. */
export function createProducer(options: ProducerOptions & ClientOptions): Producer {
  return new DefaultProducer(new ClientInstance(options), options, true);
}

/** A lite pull consumer with its own client. */
export function createLitePullConsumer(
  options: LitePullConsumerOptions & ClientOptions,
): LitePullConsumer {
  return new DefaultLitePullConsumer(new ClientInstance(options), options, true);
}

/** A push consumer with its own client. */
export function createPushConsumer(options: PushConsumerOptions & ClientOptions): PushConsumer {
  const instance = new ClientInstance(options);
  return options.consumeMode === 'POP'
    ? new PopPushConsumer(instance, options, true)
    : new DefaultPushConsumer(instance, options, true);
}

/** A pull consumer with its own client. */
export function createPullConsumer(options: PullConsumerOptions & ClientOptions): PullConsumer {
  return new DefaultPullConsumer(new ClientInstance(options), options, true);
}

export type { ClientOptions } from './client-options.ts';
export type { ClientEvents } from './client-instance.ts';
export type {
  Producer,
  ProducerOptions,
  SendOptions,
  SendResult,
  SendStatus,
  QueueSelector,
} from './producer/producer.ts';
export { shardingKeySelector } from './producer/producer.ts';
export type {
  TransactionProducer,
  TransactionProducerOptions,
  TransactionListener,
  TransactionSendResult,
  LocalTransactionState,
} from './producer/transaction-producer.ts';
export type { PullConsumer, PullConsumerOptions, PullOptions } from './consumer/pull-consumer.ts';
export type { PullResult, PullStatus } from './consumer/pull-api.ts';
export type { LitePullConsumer, LitePullConsumerOptions } from './consumer/lite-pull-consumer.ts';
export type { ConsumeFromWhere } from './consumer/consume-from-where.ts';
export type {
  SimpleConsumer,
  SimpleConsumerOptions,
  ReceivedMessage,
  ReceiveOptions,
} from './consumer/simple-consumer.ts';
export type {
  PushConsumer,
  PushConsumerOptions,
  PushConsumerEvents,
  MessageHandler,
  ConsumeResult,
  AllocateStrategy,
} from './consumer/push-consumer.ts';
export type { Message, MessageQueue, MessageView, MessageSelector } from './message.ts';
export { MQClientError, MQBrokerError } from './client-errors.ts';
export { allocateAveragely } from './rebalance/allocate-averagely.ts';
export { allocateByCircle } from './rebalance/allocate-by-circle.ts';
export { allocateConsistentHash } from './rebalance/allocate-consistent-hash.ts';
