import { isReadable, isWriteable } from '../../common/constants/perm-name.ts';
import type { TopicRouteData } from '../../common/protocol-data/route-data.ts';
import type { MessageQueue } from '../message.ts';

/** What a client derives from one TopicRouteData. */
export interface TopicRouteInfo {
  route: TopicRouteData;
  /** Queues producers may write to, ordered by broker name and queue id. */
  writeQueues: MessageQueue[];
  /** Queues consumers read, same order. */
  readQueues: MessageQueue[];
  /** Broker name to master address. */
  masters: Map<string, string>;
  fetchedAt: number;
}

export function routeInfo(topic: string, route: TopicRouteData): TopicRouteInfo {
  const masters = new Map<string, string>();
  for (const b of route.brokerDatas) {
    const master = b.brokerAddrs['0'];
    if (master) masters.set(b.brokerName, master);
  }
  const writeQueues: MessageQueue[] = [];
  const readQueues: MessageQueue[] = [];
  const queueDatas = [...route.queueDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  for (const q of queueDatas) {
    if (isWriteable(q.perm) && masters.has(q.brokerName)) {
      for (let i = 0; i < q.writeQueueNums; i++)
        writeQueues.push({ topic, brokerName: q.brokerName, queueId: i });
    }
    if (isReadable(q.perm)) {
      for (let i = 0; i < q.readQueueNums; i++)
        readQueues.push({ topic, brokerName: q.brokerName, queueId: i });
    }
  }
  return { route, writeQueues, readQueues, masters, fetchedAt: Date.now() };
}
