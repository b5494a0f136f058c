import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import type { ClientChannel } from '../managers/consumer-manager.ts';
import type { SubscriptionGroupConfig } from '../managers/subscription-group-manager.ts';
import { didYouMean } from '../../common/config/did-you-mean.ts';
import { resolveConfig } from '../../common/config/config-schema.ts';
import { storeConfigSchema } from '../../store/store-config.ts';
import { brokerConfigSchema, type BrokerConfig } from '../broker-config.ts';
import { StatsName, type BrokerStatsData } from '../services/stats-items.ts';
import type { CoreDeps } from './core-deps.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

/** Broker keys the operations read on every request, so an UPDATE_BROKER_CONFIG applies at once. */
const RUNTIME_KEYS = new Set([
  'brokerPermission',
  'autoCreateTopicEnable',
  'autoCreateSubscriptionGroup',
  'defaultTopicQueueNums',
  'longPollingEnable',
  'shortPollingTimeMills',
  'maxTransferCountOnMessageInMemory',
  'maxTransferBytesOnMessageInMemory',
  'defaultQueryMaxNum',
]);

/**
 * Reads of the broker's metadata that admin tools and slaves make: one topic's or group's config,
 * every committed offset, the delay levels' progress, the producers of a group, the broker's
 * whole configuration as properties.
 */
export class MetadataOperations {
  constructor(private readonly d: CoreDeps) {}

  /** GET_TOPIC_CONFIG. */
  topicConfig(topic: string): Outcome & { config?: TopicConfig } {
    const config = this.d.topics.get(topic);
    if (!config)
      return fail(OperationStatus.TOPIC_NOT_EXIST, `No topic in this broker. topic: ${topic}`);
    return { status: OperationStatus.SUCCESS, config };
  }

  /** GET_SUBSCRIPTIONGROUP_CONFIG. */
  groupConfig(group: string): Outcome & { config?: SubscriptionGroupConfig } {
    const config = this.d.groups.get(group);
    if (!config)
      return fail(
        OperationStatus.SUBSCRIPTION_GROUP_NOT_EXIST,
        `No subscription group in this broker. group: ${group}`,
      );
    return { status: OperationStatus.SUCCESS, config };
  }

  /** GET_ALL_CONSUMER_OFFSET: "topic@group" -> queue id -> offset. */
  consumerOffsets(): Record<string, Record<string, number>> {
    return this.d.offsets.snapshot();
  }

  /** GET_ALL_DELAY_OFFSET: delay level -> its progress in SCHEDULE_TOPIC_XXXX. */
  delayOffsets(): Record<string, number> {
    return this.d.delayOffsets();
  }

  /** QUERY_TOPIC_CONSUME_BY_WHO: groups consuming a topic, online now or with offsets on it. */
  topicConsumers(topic: string): string[] {
    const groups = new Set(this.d.offsets.groupsOf(topic));
    for (const g of this.d.consumers.groupNames())
      if (this.d.consumers.get(g)?.subscriptions.has(topic)) groups.add(g);
    return [...groups].sort();
  }

  /** VIEW_BROKER_STATS_DATA: a stats item's last minute, hour and day. */
  statsData(name: string, key: string): Outcome & { data?: BrokerStatsData } {
    const data = (Object.values(StatsName) as string[]).includes(name)
      ? this.d.stats.items.data(name as StatsName, key)
      : undefined;
    if (!data) return fail(OperationStatus.SYSTEM_ERROR, `The stats <${name}> <${key}> not exist`);
    return { status: OperationStatus.SUCCESS, data };
  }

  /**
   * QUERY_CONSUME_QUEUE (mqadmin queryCq): `count` units of a queue from `index`, with the
   * queue's bounds and, for a group, its subscription of the topic.
   */
  consumeQueue(input: {
    topic: string;
    queueId: number;
    index: number;
    count: number;
    group: string | undefined;
  }): Record<string, unknown> {
    const { store, consumers } = this.d;
    const subscription = input.group
      ? consumers.get(input.group)?.subscriptions.get(input.topic)
      : undefined;
    return {
      ...(subscription ? { subscriptionData: subscription } : {}),
      queueData: store
        .getQueueUnits(input.topic, input.queueId, input.index, Math.min(input.count, 100))
        .map((u) => ({ ...u, extendDataJson: null, bitMap: null, eval: false, msg: null })),
      maxQueueIndex: store.getMaxOffsetInQueue(input.topic, input.queueId),
      minQueueIndex: store.getMinOffsetInQueue(input.topic, input.queueId),
    };
  }

  /** GET_PRODUCER_CONNECTION_LIST: the live producers of a group. */
  producers(group: string): Outcome & { channels?: ClientChannel[] } {
    const channels = this.d.producers.channels(group);
    if (channels.length === 0)
      return fail(OperationStatus.SYSTEM_ERROR, `the producer group[${group}] not exist`);
    return { status: OperationStatus.SUCCESS, channels };
  }

  /**
   * UPDATE_BROKER_CONFIG: keys the core reads on every request take effect at once; any other
   * broker or store key is refused naming it (set it in broker.properties and restart), and an
   * unknown key is refused with a suggestion. Nothing changes unless every key can.
   */
  updateConfig(entries: ReadonlyMap<string, string>): Outcome {
    const later: string[] = [];
    for (const key of entries.keys()) {
      if (RUNTIME_KEYS.has(key)) continue;
      if (key in brokerConfigSchema || key in storeConfigSchema) later.push(key);
      else {
        const hint = didYouMean(key, [
          ...Object.keys(brokerConfigSchema),
          ...Object.keys(storeConfigSchema),
        ]);
        return fail(
          OperationStatus.SYSTEM_ERROR,
          `Unknown config key "${key}"${hint ? `: did you mean "${hint}"?` : ''}`,
        );
      }
    }
    if (later.length > 0)
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `${later.join(', ')} cannot change at run time: set ${later.length > 1 ? 'them' : 'it'} in broker.properties and restart (run-time keys: ${[...RUNTIME_KEYS].join(', ')})`,
      );
    let next: BrokerConfig;
    try {
      next = resolveConfig(brokerConfigSchema, [this.d.config, entries]);
    } catch (err) {
      return fail(OperationStatus.SYSTEM_ERROR, (err as Error).message);
    }
    const permChanged = next.brokerPermission !== this.d.config.brokerPermission;
    this.d.config = next;
    this.d.logger.info({ keys: Object.fromEntries(entries) }, 'Broker config updated');
    if (permChanged) {
      // The routes carry every topic's perm masked by the broker's: register them anew.
      this.d.topics.touch();
      void this.d.onTopicsChanged();
    }
    return { status: OperationStatus.SUCCESS };
  }

  /**
   * GET_BROKER_CONFIG: every broker and store key with its value in force, as a properties text
   * (key=value lines, sorted), the form mqadmin getBrokerConfig prints.
   */
  brokerConfigText(): string {
    const all: Record<string, unknown> = { ...this.d.store.config, ...this.d.config };
    return Object.keys(all)
      .sort()
      .map((k) => `${k}=${String(all[k])}`)
      .join('\n')
      .concat('\n');
  }
}
