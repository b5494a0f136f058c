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
  /** Broker name to the addresses of its master (id 0) and slaves. */
  brokers: Map<string, Map<number, string>>;
  fetchedAt: number;
}

export function routeInfo(topic: string, route: TopicRouteData): TopicRouteInfo {
  const masters = new Map<string, string>();
  const brokers = new Map<string, Map<number, string>>();
  for (const b of route.brokerDatas) {
    const master = b.brokerAddrs['0'];
    if (master) masters.set(b.brokerName, master);
    brokers.set(
      b.brokerName,
      new Map(Object.entries(b.brokerAddrs).map(([id, addr]) => [Number(id), addr])),
    );
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
  return { route, writeQueues, readQueues, masters, brokers, fetchedAt: Date.now() };
}

/**
 * Where to read a broker group from (RocketMQ's findBrokerAddressInSubscribe): broker `brokerId`
 * if the route has it, else the master, else any of its slaves (the master is down).
 */
export function readAddress(
  info: TopicRouteInfo,
  brokerName: string,
  brokerId: number,
): { addr: string; brokerId: number } | undefined {
  const group = info.brokers.get(brokerName);
  if (!group) return undefined;
  for (const id of [brokerId, 0, ...[...group.keys()].sort((a, b) => a - b)]) {
    const addr = group.get(id);
    if (addr) return { addr, brokerId: id };
  }
  return undefined;
}
