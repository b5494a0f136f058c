import type { MessageQueue } from '../message.ts';
import { sortQueues } from './sort-queues.ts';

/**
 * RocketMQ's AllocateMessageQueueAveragely: sorted client ids each get a contiguous block of the
 * sorted queues, the first `queues % clients` one more; clients beyond the queue count get none.
 * Identical to Java's and ali-ons', so mixed groups agree.
 */
export function allocateAveragely(
  queues: readonly MessageQueue[],
  clientIds: readonly string[],
  me: string,
): MessageQueue[] {
  const sortedQueues = sortQueues(queues);
  const clients = [...clientIds].sort();
  const index = clients.indexOf(me);
  if (index < 0 || sortedQueues.length === 0) return [];
  const q = sortedQueues.length;
  const c = clients.length;
  const mod = q % c;
  const size = q <= c ? 1 : mod > 0 && index < mod ? Math.floor(q / c) + 1 : Math.floor(q / c);
  const start = mod > 0 && index < mod ? index * size : index * size + mod;
  const range = Math.min(size, q - start);
  const out: MessageQueue[] = [];
  for (let i = 0; i < range; i++) {
    const mq = sortedQueues[(start + i) % q];
    if (mq) out.push(mq);
  }
  return out;
}
