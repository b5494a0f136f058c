import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import type { ClientChannel } from '../managers/consumer-manager.ts';
import type { SubscriptionGroupConfig } from '../managers/subscription-group-manager.ts';
import type { CoreDeps } from './core-deps.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

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

  /** GET_PRODUCER_CONNECTION_LIST: the live producers of a group. */
  producers(group: string): Outcome & { channels?: ClientChannel[] } {
    const channels = this.d.producers.channels(group);
    if (channels.length === 0)
      return fail(OperationStatus.SYSTEM_ERROR, `the producer group[${group}] not exist`);
    return { status: OperationStatus.SUCCESS, channels };
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
