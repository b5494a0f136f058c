import type { CoreDeps } from './core-deps.ts';
import { OperationStatus, type Outcome } from './outcome.ts';

export interface ResetOffsetInput {
  group: string;
  topic: string;
  /** ms since the epoch: each queue moves to its first message stored at or after it; < 0 = the end. */
  timestamp: number;
  /** false: a queue whose offset is already at or before the target keeps it (only moves back). */
  force: boolean;
  /** One queue only (RocketMQ 5's queueId header); < 0 = every read queue of the topic. */
  queueId?: number;
  /** With `queueId`: this offset instead of one found by `timestamp`; < 0 = none given. */
  offset?: number;
}

export interface ResetQueueOffset {
  queueId: number;
  /** The group's offset on the queue after the reset. */
  offset: number;
  /** Whether the reset moved it (false when `force` is off and it was already before the target). */
  changed: boolean;
}

export interface ResetOffsetOutcome extends Outcome {
  queues?: ResetQueueOffset[];
}

/**
 * Resets a consumer group's offsets on a topic (INVOKE_BROKER_TO_RESET_OFFSET), the way RocketMQ 5
 * does it on the broker (useServerSideResetOffset): new offsets are stored at once, so a group
 * with no live consumer starts from them, and held as pending resets so that a live consumer's
 * commits of its old position cannot overwrite them before it has moved. Telling the live
 * consumers is the caller's part (RESET_CONSUMER_CLIENT_OFFSET is protocol).
 */
export function resetConsumerOffset(
  deps: Pick<CoreDeps, 'config' | 'store' | 'topics' | 'groups' | 'offsets' | 'consumers'>,
  input: ResetOffsetInput,
): ResetOffsetOutcome {
  const { config, store, topics, groups, offsets, consumers } = deps;
  const { group, topic } = input;
  if (config.brokerRole === 'SLAVE') {
    return {
      status: OperationStatus.SYSTEM_ERROR,
      remark: `Cannot reset offsets on ${config.brokerName}: it is a slave`,
    };
  }
  const tc = topics.get(topic);
  if (!tc) {
    return {
      status: OperationStatus.TOPIC_NOT_EXIST,
      remark: `The topic "${topic}" does not exist on ${config.brokerName}`,
    };
  }
  const known =
    groups.get(group) !== undefined ||
    consumers.get(group) !== undefined ||
    offsets.topicsOf(group).length > 0;
  if (!known) {
    return {
      status: OperationStatus.SUBSCRIPTION_GROUP_NOT_EXIST,
      remark: `The consumer group "${group}" does not exist on ${config.brokerName}`,
    };
  }
  const one = input.queueId ?? -1;
  if (one >= tc.readQueueNums) {
    return {
      status: OperationStatus.SYSTEM_ERROR,
      remark: `The queue id ${one} is out of range: topic "${topic}" has ${tc.readQueueNums} read queues`,
    };
  }
  const targets = new Map<number, number>();
  const search = (q: number): number =>
    input.timestamp < 0
      ? store.getMaxOffsetInQueue(topic, q)
      : store.getOffsetInQueueByTime(topic, q, input.timestamp);
  if (one >= 0) {
    const exact = input.offset ?? -1;
    if (exact >= 0) {
      const min = store.getMinOffsetInQueue(topic, one);
      const max = store.getMaxOffsetInQueue(topic, one);
      if (exact < min || exact > max) {
        return {
          status: OperationStatus.SYSTEM_ERROR,
          remark: `The offset ${exact} is outside queue ${one} of "${topic}": [${min}, ${max}]`,
        };
      }
      targets.set(one, exact);
    } else targets.set(one, search(one));
  } else {
    for (let q = 0; q < tc.readQueueNums; q++) targets.set(q, search(q));
  }
  const queues: ResetQueueOffset[] = [];
  for (const [queueId, target] of targets) {
    const current = offsets.query(group, topic, queueId);
    // Without force an offset only moves back (RocketMQ's Broker2Client.resetOffset).
    if (!input.force && current >= 0 && current <= target) {
      queues.push({ queueId, offset: current, changed: false });
      continue;
    }
    offsets.assignResetOffset(group, topic, queueId, target);
    queues.push({ queueId, offset: target, changed: true });
  }
  return { status: OperationStatus.SUCCESS, queues };
}
