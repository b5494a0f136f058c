import type { MessageQueue } from '../message.ts';
import { sortQueues } from './sort-queues.ts';

/** RocketMQ's AllocateMessageQueueAveragelyByCircle: queue i goes to client i mod clients. */
export function allocateByCircle(
  queues: readonly MessageQueue[],
  clientIds: readonly string[],
  me: string,
): MessageQueue[] {
  const clients = [...clientIds].sort();
  const index = clients.indexOf(me);
  if (index < 0) return [];
  return sortQueues(queues).filter((_q, i) => i % clients.length === index);
}
