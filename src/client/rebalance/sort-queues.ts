import type { MessageQueue } from '../message.ts';

/** Queues in RocketMQ's order: topic, broker name, queue id. */
export function sortQueues(queues: readonly MessageQueue[]): MessageQueue[] {
  return [...queues].sort(
    (a, b) =>
      a.topic.localeCompare(b.topic) ||
      a.brokerName.localeCompare(b.brokerName) ||
      a.queueId - b.queueId,
  );
}
