import { isReadable } from '../../common/constants/perm-name.ts';
import type { CoreDeps } from './core-deps.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

/**
 * The checks a pull or pop passes: readable broker and topic, queue in range (`anyQueue`: -1 for
 * every queue, as a pop may ask), the group known (or auto-created) and allowed to consume.
 */
export function checkConsume(
  d: Pick<CoreDeps, 'config' | 'topics' | 'groups'>,
  groupName: string,
  topic: string,
  queueId: number,
  anyQueue: boolean,
): Outcome | { readQueueNums: number; retryMaxTimes: number } {
  if (!isReadable(d.config.brokerPermission))
    return fail(
      OperationStatus.NO_PERMISSION,
      `the broker[${d.config.brokerName}] pulling message is forbidden`,
    );
  const tc = d.topics.get(topic);
  if (!tc)
    return fail(OperationStatus.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please!`);
  if (!isReadable(tc.perm))
    return fail(OperationStatus.NO_PERMISSION, `the topic[${topic}] pulling message is forbidden`);
  if (queueId < (anyQueue ? -1 : 0) || queueId >= tc.readQueueNums)
    return fail(
      OperationStatus.SYSTEM_ERROR,
      `queueId[${queueId}] is illegal, topic ${topic} has ${tc.readQueueNums} read queues`,
    );
  const group = d.groups.findOrCreate(groupName, d.config.autoCreateSubscriptionGroup);
  if (!group)
    return fail(
      OperationStatus.SUBSCRIPTION_GROUP_NOT_EXIST,
      `subscription group [${groupName}] does not exist`,
    );
  if (!group.consumeEnable)
    return fail(
      OperationStatus.NO_PERMISSION,
      `subscription group [${groupName}] no permission to consume`,
    );
  return { readQueueNums: tc.readQueueNums, retryMaxTimes: group.retryMaxTimes };
}
