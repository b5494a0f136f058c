import type { HARuntimeInfo } from '../../common/protocol-data/ha-runtime-info.ts';
import { MQ_VERSION_ORDINAL, PRODUCT_VERSION } from '../../common/constants/version.ts';
import { javaDouble } from '../services/runtime-stats.ts';
import { checkTopicName, SystemTopic } from '../../common/constants/topic-validator.ts';
import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import {
  newSubscriptionGroupConfig,
  type SubscriptionGroupConfig,
} from '../managers/subscription-group-manager.ts';
import type { ClientChannel, ConsumerGroupInfo } from '../managers/consumer-manager.ts';
import type { CoreDeps } from './core-deps.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';
import {
  resetConsumerOffset,
  type ResetOffsetInput,
  type ResetOffsetOutcome,
} from './reset-consumer-offset.ts';

/** RocketMQ 5's TopicMessageType values for the message.type attribute. */
export const TOPIC_MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED'] as const;

export interface QueueConsumeStats {
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

export interface QueueStats {
  queueId: number;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

/** The admin family: topics, subscription groups, statistics, offset resets, runtime figures. */
export class AdminOperations {
  constructor(private readonly d: CoreDeps) {}

  topic(name: string): TopicConfig | undefined {
    return this.d.topics.get(name);
  }

  /** The topic a client names for a route, a send or a receive: refused when illegal or unknown. */
  topicFor(name: string): TopicConfig | Outcome {
    const bad = checkTopicName(name);
    if (bad) return fail(OperationStatus.ILLEGAL_TOPIC, bad);
    return (
      this.d.topics.get(name) ??
      fail(
        OperationStatus.TOPIC_NOT_EXIST,
        `No topic route info in name server for the topic: ${name} (create it with rmq admin updateTopic)`,
      )
    );
  }

  topics(): { configs: TopicConfig[]; version: unknown } {
    return { configs: this.d.topics.all(), version: this.d.topics.version };
  }

  /** Creates or updates a topic; refuses illegal names, the default topic and unknown message types. */
  createTopic(config: TopicConfig): Outcome {
    const bad = checkTopicName(config.topicName);
    if (bad) return fail(OperationStatus.SYSTEM_ERROR, bad);
    if (config.topicName === SystemTopic.AUTO_CREATE_TOPIC_KEY) {
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `the topic "${config.topicName}" is the default topic and cannot be changed`,
      );
    }
    if (config.readQueueNums <= 0 || config.writeQueueNums <= 0) {
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `a topic needs at least one read and one write queue, got ${config.readQueueNums}/${config.writeQueueNums}`,
      );
    }
    const type = config.attributes['message.type'];
    if (type !== undefined && !(TOPIC_MESSAGE_TYPES as readonly string[]).includes(type))
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `the attribute message.type=${type} is not one of ${TOPIC_MESSAGE_TYPES.join(', ')}`,
      );
    if (this.d.topics.put(config))
      return { status: OperationStatus.SUCCESS, registered: this.d.onTopicsChanged() };
    return { status: OperationStatus.SUCCESS };
  }

  deleteTopic(topic: string): Outcome {
    this.d.topics.delete(topic);
    this.d.store.deleteTopic(topic);
    this.d.offsets.deleteTopic(topic);
    void this.d.onTopicsChanged();
    return { status: OperationStatus.SUCCESS };
  }

  group(name: string): SubscriptionGroupConfig | undefined {
    return this.d.groups.get(name);
  }

  groups(): SubscriptionGroupConfig[] {
    return this.d.groups.all();
  }

  putGroup(name: string, fields: Partial<SubscriptionGroupConfig>): Outcome {
    this.d.groups.put(newSubscriptionGroupConfig(name, fields));
    return { status: OperationStatus.SUCCESS };
  }

  deleteGroup(name: string): Outcome {
    this.d.groups.delete(name);
    return { status: OperationStatus.SUCCESS };
  }

  /** Per queue of the group's topics (or one topic): broker and consumer offsets. */
  consumeStats(group: string, only?: string): { topic: string; queues: QueueConsumeStats[] }[] {
    const { offsets, topics, store } = this.d;
    const out = [];
    for (const topic of only ? [only] : offsets.topicsOf(group)) {
      const tc = topics.get(topic);
      if (!tc) continue;
      const queues: QueueConsumeStats[] = [];
      for (let q = 0; q < tc.readQueueNums; q++) {
        const consumerOffset = Math.max(0, offsets.query(group, topic, q));
        const last =
          consumerOffset > 0
            ? store.getMessageStoreTimeStamp(topic, q, consumerOffset - 1)
            : undefined;
        queues.push({
          queueId: q,
          brokerOffset: store.getMaxOffsetInQueue(topic, q),
          consumerOffset,
          lastTimestamp: last ?? 0,
        });
      }
      out.push({ topic, queues });
    }
    return out;
  }

  /** Messages per second the group consumed lately (ConsumeStats.consumeTps). */
  consumeTps(group: string): number {
    return this.d.stats.consumeTps(group);
  }

  /** Per write queue of a topic: min and max offsets and the last store time. */
  topicStats(topic: string): Outcome & { queues?: QueueStats[] } {
    const tc = this.d.topics.get(topic);
    if (!tc) return fail(OperationStatus.TOPIC_NOT_EXIST, `topic[${topic}] not exist`);
    const { store } = this.d;
    const queues: QueueStats[] = [];
    for (let q = 0; q < tc.writeQueueNums; q++) {
      const max = store.getMaxOffsetInQueue(topic, q);
      queues.push({
        queueId: q,
        minOffset: store.getMinOffsetInQueue(topic, q),
        maxOffset: max,
        lastUpdateTimestamp: max > 0 ? (store.getMessageStoreTimeStamp(topic, q, max - 1) ?? 0) : 0,
      });
    }
    return { status: OperationStatus.SUCCESS, queues };
  }

  /**
   * Resets a group's offsets on a topic; `notify` lists the live consumers of the topic to tell
   * when a queue moved (telling them is protocol: the caller's part).
   */
  resetOffset(input: ResetOffsetInput): ResetOffsetOutcome & { notify: ClientChannel[] } {
    const r = resetConsumerOffset(this.d, input);
    const info = this.d.consumers.get(input.group);
    const moved = r.queues?.some((q) => q.changed) ?? false;
    const notify = moved && info?.subscriptions.has(input.topic) ? [...info.channels.values()] : [];
    return { ...r, notify };
  }

  /** A consumer group's live members and subscriptions, or undefined when none is online. */
  consumerGroup(group: string): ConsumerGroupInfo | undefined {
    return this.d.consumers.get(group);
  }

  /** GET_BROKER_HA_STATUS: a master's slaves and how far behind each is, or a slave's master. */
  haStatus(): HARuntimeInfo {
    return this.d.haRuntimeInfo();
  }

  /** GET_BROKER_RUNTIME_INFO's table, with the keys mqadmin's clusterList and brokerStatus read. */
  runtimeInfo(): Record<string, string> {
    const { config, store, topics, groups, consumers, stats } = this.d;
    const disk = store.diskSpace();
    const timer = store.timer?.stats;
    const idle = '0';
    return {
      ...stats.runtimeInfo(),
      brokerVersionDesc: `rocketmq-ts ${PRODUCT_VERSION}`,
      brokerVersion: String(MQ_VERSION_ORDINAL),
      brokerName: config.brokerName,
      brokerId: String(config.brokerId),
      brokerRole: config.brokerRole,
      brokerActive: String(config.brokerId === 0),
      commitLogMinOffset: String(store.getMinPhyOffset()),
      commitLogMaxOffset: String(store.getMaxPhyOffset()),
      commitLogDiskRatio: javaDouble(disk.usedPercent / 100),
      consumeQueueDiskRatio: javaDouble(disk.usedPercent / 100),
      commitLogDirCapacity: `Total : ${humanBytes(disk.totalBytes)}, Free : ${humanBytes(disk.freeBytes)}.`,
      remainHowManyDataToFlush: humanBytes(store.remainToFlushBytes()),
      remainTransientStoreBufferNumbs: String(2147483647),
      dispatchBehindBytes: '0',
      pageCacheLockTimeMills: '0',
      earliestMessageTimeStamp: String(store.getEarliestMessageTime() ?? 0),
      startAcceptSendRequestTimeStamp: '0',
      timerReadBehind: String(
        timer ? Math.max(0, Math.floor((Date.now() - timer.dequeueTimeMs) / 1000)) : 0,
      ),
      timerOffsetBehind: String(timer?.enqueueLag ?? 0),
      timerCongestNum: '0',
      timerEnqueueTps: '0.0',
      timerDequeueTps: '0.0',
      // One event loop, no thread pools: nothing ever waits in a queue behind a busy pool.
      sendThreadPoolQueueSize: idle,
      sendThreadPoolQueueCapacity: '10000',
      pullThreadPoolQueueSize: idle,
      pullThreadPoolQueueCapacity: '100000',
      litePullThreadPoolQueueSize: idle,
      litePullThreadPoolQueueCapacity: '100000',
      queryThreadPoolQueueSize: idle,
      queryThreadPoolQueueCapacity: '20000',
      ackThreadPoolQueueSize: idle,
      ackThreadPoolQueueCapacity: '100000',
      sendThreadPoolQueueHeadWaitTimeMills: idle,
      pullThreadPoolQueueHeadWaitTimeMills: idle,
      queryThreadPoolQueueHeadWaitTimeMills: idle,
      litePullThreadPoolQueueHeadWaitTimeMills: idle,
      ackThreadPoolQueueHeadWaitTimeMills: idle,
      EndTransactionQueueSize: idle,
      EndTransactionThreadPoolQueueCapacity: '100000',
      topicCount: String(topics.all().length),
      consumerGroupCount: String(groups.all().length),
      onlineConsumerGroups: String(consumers.groupNames().length),
      rssBytes: String(process.memoryUsage().rss),
      ...replicationInfo(this.d.haRuntimeInfo()),
    };
  }
}

/**
 * Replication figures for the runtime table: a master's slaves in sync and how many bytes the
 * furthest one is behind (RocketMQ's slaveFallBehindMuch), a slave's master and copy offset.
 */
function replicationInfo(ha: HARuntimeInfo): Record<string, string> {
  if (!ha.master)
    return {
      haMasterAddress: ha.haClientRuntimeInfo.masterAddr,
      haConnected: String(ha.haClientRuntimeInfo.isActivated),
      haTransferredByteInSecond: String(ha.haClientRuntimeInfo.transferredByteInSecond),
    };
  return {
    haSlaveNum: String(ha.haConnectionInfo.length),
    inSyncSlaveNums: String(ha.inSyncSlaveNums),
    slaveFallBehindMuch: String(Math.max(0, ...ha.haConnectionInfo.map((c) => c.diff))),
  };
}

/** RocketMQ's humanReadableByteCount (binary units): "512 B", "1.5 KiB", "252.0 GiB". */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const exp = Math.min(6, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / 1024 ** exp).toFixed(1)} ${'KMGTPE'[exp - 1]}iB`;
}
