import type { ClientInstance } from '../client-instance.ts';
import type { MessageQueue } from '../message.ts';
import { fetchConsumeOffset, queueOffset } from './pull-api.ts';

/** Where a group starts on a queue it has never committed (RocketMQ's ConsumeFromWhere). */
export type ConsumeFromWhere =
  'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';

/** The committed offset, else the start `where` says (retry topics start at 0 from the last offset). */
export async function startOffset(
  client: ClientInstance,
  group: string,
  queue: MessageQueue,
  where: ConsumeFromWhere,
  timestamp: number,
): Promise<number> {
  const committed = await fetchConsumeOffset(client, group, queue);
  if (committed >= 0) return committed;
  switch (where) {
    case 'CONSUME_FROM_FIRST_OFFSET':
      return 0;
    case 'CONSUME_FROM_LAST_OFFSET':
      return queue.topic.startsWith('%RETRY%') ? 0 : queueOffset(client, queue, 'max');
    case 'CONSUME_FROM_TIMESTAMP':
      return queueOffset(client, queue, 'time', timestamp);
  }
}
