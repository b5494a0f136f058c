import { createHash } from 'node:crypto';
import type { MessageQueue } from '../message.ts';
import { sortQueues } from './sort-queues.ts';

const hash = (key: string): bigint => createHash('md5').update(key).digest().readBigUInt64BE(0);

/**
 * RocketMQ's AllocateMessageQueueConsistentHash idea: clients sit on a hash ring with virtual
 * nodes, each queue goes to the first node at or after its hash, so a member joining or leaving
 * moves only the queues next to it.
 */
export function allocateConsistentHash(
  virtualNodes = 10,
): (queues: readonly MessageQueue[], clientIds: readonly string[], me: string) => MessageQueue[] {
  return (queues, clientIds, me) => {
    if (!clientIds.includes(me)) return [];
    const ring = clientIds
      .flatMap((id) =>
        Array.from({ length: virtualNodes }, (_v, i) => ({ id, at: hash(`${id}-${i}`) })),
      )
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return sortQueues(queues).filter((q) => {
      const h = hash(`${q.topic}@${q.brokerName}@${q.queueId}`);
      const node = ring.find((n) => n.at >= h) ?? ring[0];
      return node?.id === me;
    });
  };
}
