import type { HeartbeatData } from '../../common/protocol-data/heartbeat-data.ts';
import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import type { BrokerQueues } from './broker-queues.ts';
import type { Outcome } from './outcome.ts';
import type { PopInput, PopOutcome } from './pop-operations.ts';
import type { PullInput, PullOutcome } from './pull-operations.ts';
import type { SendInput, SendOutcome } from './send-operations.ts';

/** A popped message as an ack, a change of invisible time or a dead-letter forward names it. */
export interface PoppedRef {
  group: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  popTime: number;
  /** RocketMQ's extraInfo: "ckOffset popTime invisibleTime reviveQid retry brokerName queueId queueOffset". */
  extraInfo: string;
}

export interface EndTransactionInput {
  producerGroup: string;
  commitLogOffset: number;
  /** The half message's queue offset, -1 when unknown. */
  tranStateTableOffset: number;
  /** MessageSysFlag's TRANSACTION_COMMIT_TYPE, _ROLLBACK_TYPE or _NOT_TYPE. */
  commitOrRollback: number;
  fromTransactionCheck: boolean;
  msgId: string;
}

/** Where a QueryOffset-like request reads a queue's offset: first, end, or first at a time. */
export type QueueOffsetAt = 'min' | 'max' | { timestamp: number };

/**
 * One broker of the cluster as a protocol adapter uses it, whether it is this process's broker
 * (the core called directly) or another one (the same requests forwarded over Remoting), as
 * RocketMQ's proxy has a local and a cluster message service. Outcomes are the core's either way.
 */
export interface BrokerGateway {
  readonly brokerName: string;
  sendMessage(input: SendInput): Promise<SendOutcome>;
  popMessage(input: PopInput): Promise<PopOutcome>;
  ackMessage(ref: PoppedRef): Promise<Outcome>;
  changeInvisibleTime(
    ref: PoppedRef,
    invisibleTime: number,
  ): Promise<Outcome & { popTime?: number }>;
  /** The popped message goes to %DLQ%group and counts as consumed. */
  forwardToDeadLetterQueue(
    ref: PoppedRef & { commitLogOffset: number; msgId: string },
  ): Promise<Outcome>;
  endTransaction(input: EndTransactionInput): Promise<Outcome>;
  recallMessage(topic: string, recallHandle: string): Promise<Outcome & { messageId?: string }>;
  pullMessage(input: PullInput): Promise<PullOutcome>;
  commitConsumerOffset(
    group: string,
    topic: string,
    queueId: number,
    offset: number,
  ): Promise<Outcome>;
  queryConsumerOffset(
    group: string,
    topic: string,
    queueId: number,
  ): Promise<Outcome & { offset?: number }>;
  queueOffset(topic: string, queueId: number, at: QueueOffsetAt): Promise<number>;
  /** The topic's config on that broker (its queues, perm, message.type), undefined when it has none. */
  topicConfig(topic: string): Promise<TopicConfig | undefined>;
}

/**
 * The brokers of this broker's cluster, for the gRPC endpoint in cluster mode: every broker's
 * queues of a topic (this broker's from its own table, the others' from the name servers) and a
 * gateway to each, so one endpoint serves a whole topic (RocketMQ's proxy in cluster mode).
 */
export interface BrokerCluster {
  /** This process's broker. */
  readonly local: BrokerGateway;
  /**
   * The topic a client names, refused when illegal or unknown to every broker: this broker's
   * config when it has one, else the config of another broker that serves it.
   */
  topicFor(topic: string): Promise<TopicConfig | Outcome>;
  /** Every broker's queues of the topic, sorted by broker name; empty when nobody has it. */
  route(topic: string): Promise<BrokerQueues[]>;
  /** The gateway to a broker by name, undefined when no name server knows its master. */
  gateway(brokerName: string): Promise<BrokerGateway | undefined>;
  /** The gateway to the broker whose store host (from an offset message id) this is. */
  gatewayAt(host: string, port: number): BrokerGateway;
  /**
   * A gRPC client's registration, passed on to the other brokers serving its topics, so their
   * connection lists show it and their transaction checks reach it through this endpoint.
   */
  relayHeartbeat(data: HeartbeatData, topics: readonly string[]): void;
  /** The client left: the other brokers drop it now rather than at expiry. */
  relayUnregister(
    clientId: string,
    producerGroups: readonly string[],
    consumerGroup?: string,
  ): void;
  shutdown(): Promise<void>;
}
