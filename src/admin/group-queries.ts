import { RequestCode } from '../remoting/protocol/request-code.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';
import { MQBrokerError } from '../common/errors/mq-broker-error.ts';
import { MessageConst } from '../common/message/message-const.ts';
import type { SubscriptionData } from '../common/protocol-data/heartbeat-data.ts';
import { parseTagExpression } from '../common/protocol-data/heartbeat-data.ts';
import { AdminTransport, type MessageQueue } from './admin-transport.ts';
import type { AdminMessage } from './message-queries.ts';

/** A client's connection to a broker (RocketMQ's Connection). */
export interface Connection {
  clientId: string;
  clientAddr: string;
  language: string;
  /** MQVersion ordinal. */
  version: number;
}

/** GET_CONSUMER_CONNECTION_LIST: a group's live members and what they subscribe to. */
export interface ConsumerConnection {
  connections: Connection[];
  subscriptions: SubscriptionData[];
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
}

export interface ConsumerQueueProgress {
  topic: string;
  brokerName: string;
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  /** Where the group's consumers have pulled to (inflight = pullOffset - consumerOffset). */
  pullOffset: number;
  lastTimestamp: number;
}

/** GET_CONSUME_STATS over the brokers of a group: per queue offsets, and the consume TPS. */
export interface ConsumeStats {
  queues: ConsumerQueueProgress[];
  consumeTps: number;
}

/** A topic's consume rates in one consumer (RocketMQ's ConsumeStatus). */
export interface ConsumeStatus {
  pullRT: number;
  pullTPS: number;
  consumeRT: number;
  consumeOKTPS: number;
  consumeFailedTPS: number;
  consumeFailedMsgs: number;
}

/** GET_CONSUMER_RUNNING_INFO: what a live consumer reports about itself. */
export interface ConsumerRunningInfo {
  properties: Record<string, string>;
  subscriptions: SubscriptionData[];
  /** Per assigned queue, its ProcessQueueInfo fields. */
  queues: [MessageQueue, Record<string, unknown>][];
  popQueues: [MessageQueue, Record<string, unknown>][];
  statusTable: Record<string, ConsumeStatus>;
  userConsumerInfo?: Record<string, string>;
  jstack?: string;
}

/** CONSUME_MESSAGE_DIRECTLY: how a consumer's listener took one message. */
export interface ConsumeMessageDirectlyResult {
  order: boolean;
  autoCommit: boolean;
  consumeResult: string;
  remark: string | null;
  spentTimeMills: number;
}

/** Whether a group has consumed a message (RocketMQ's MessageTrack, TrackType). */
export interface MessageTrack {
  consumerGroup: string;
  trackType:
    | 'CONSUMED'
    | 'CONSUMED_BUT_FILTERED'
    | 'PULL'
    | 'NOT_CONSUME_YET'
    | 'NOT_ONLINE'
    | 'CONSUME_BROADCASTING'
    | 'UNKNOWN';
  exceptionDesc?: string;
}

/** Per queue of the group's topics (or one topic), on each of its masters. */
export async function consumeStats(
  t: AdminTransport,
  group: string,
  topic?: string,
  clusterName?: string,
): Promise<ConsumeStats> {
  const masters = topic
    ? await t.topicMasters(topic, clusterName)
    : await t.groupMasters(group, clusterName);
  const queues: ConsumerQueueProgress[] = [];
  let consumeTps = 0;
  for (const b of masters) {
    const stats = AdminTransport.json<{ offsetTable: unknown; consumeTps?: number }>(
      await t.call(b.addr, `Consume stats of ${group}`, RequestCode.GET_CONSUME_STATS, {
        consumerGroup: group,
        ...(topic ? { topic } : {}),
      }),
    );
    consumeTps += stats.consumeTps ?? 0;
    const entries = AdminTransport.queueEntries<{
      brokerOffset: number;
      consumerOffset: number;
      pullOffset?: number;
      lastTimestamp: number;
    }>(stats.offsetTable);
    for (const [mq, s] of entries)
      queues.push({
        topic: mq.topic,
        brokerName: mq.brokerName,
        queueId: mq.queueId,
        brokerOffset: s.brokerOffset,
        consumerOffset: s.consumerOffset,
        pullOffset: s.pullOffset ?? s.consumerOffset,
        lastTimestamp: s.lastTimestamp,
      });
  }
  queues.sort(
    (a, b) =>
      a.topic.localeCompare(b.topic) ||
      a.brokerName.localeCompare(b.brokerName) ||
      a.queueId - b.queueId,
  );
  return { queues, consumeTps };
}

/**
 * A group's live consumers, from `brokerAddr` or a master of the group. No member online is
 * CONSUMER_NOT_ONLINE, as mqadmin reports it.
 */
export async function consumerConnection(
  t: AdminTransport,
  group: string,
  brokerAddr?: string,
): Promise<ConsumerConnection> {
  const addr = brokerAddr ?? (await t.groupMasters(group))[0]?.addr;
  if (!addr) throw new Error(`No master knows the consumer group "${group}"`);
  const body = AdminTransport.json<{
    connectionSet?: Connection[];
    subscriptionTable?: Record<string, SubscriptionData>;
    consumeType?: string;
    messageModel?: string;
    consumeFromWhere?: string;
  }>(
    await t.call(addr, `Connections of ${group}`, RequestCode.GET_CONSUMER_CONNECTION_LIST, {
      consumerGroup: group,
    }),
  );
  const connections = body.connectionSet ?? [];
  if (connections.length === 0)
    throw new MQBrokerError(
      ResponseCode.CONSUMER_NOT_ONLINE,
      'Not found the consumer group connection',
      addr,
      `Connections of ${group}`,
    );
  return {
    connections,
    subscriptions: Object.values(body.subscriptionTable ?? {}),
    consumeType: body.consumeType ?? '',
    messageModel: body.messageModel ?? '',
    consumeFromWhere: body.consumeFromWhere ?? '',
  };
}

/** The live producers of a group, asked of a master serving `topic`. */
export async function producerConnection(
  t: AdminTransport,
  group: string,
  topic: string,
): Promise<Connection[]> {
  const [b] = await t.topicMasters(topic);
  if (!b) throw new Error(`No master serves topic "${topic}"`);
  const body = AdminTransport.json<{ connectionSet?: Connection[] }>(
    await t.call(b.addr, `Producers of ${group}`, RequestCode.GET_PRODUCER_CONNECTION_LIST, {
      producerGroup: group,
    }),
  );
  const connections = body.connectionSet ?? [];
  if (connections.length === 0)
    throw new Error(`Not found the producer group connection: "${group}" at ${b.addr}`);
  return connections;
}

/** A consumer's running info, relayed by a master of its group (or `brokerAddr`). */
export async function consumerRunningInfo(
  t: AdminTransport,
  group: string,
  clientId: string,
  jstack = false,
  brokerAddr?: string,
): Promise<ConsumerRunningInfo> {
  const addr = brokerAddr ?? (await t.groupMasters(group))[0]?.addr;
  if (!addr) throw new Error(`No master knows the consumer group "${group}"`);
  const body = AdminTransport.json<{
    properties?: Record<string, unknown>;
    subscriptionSet?: SubscriptionData[];
    mqTable?: unknown;
    mqPopTable?: unknown;
    statusTable?: Record<string, ConsumeStatus>;
    userConsumerInfo?: Record<string, string>;
    jstack?: string;
  }>(
    await t.call(addr, `Running info of ${clientId}`, RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: group,
      clientId,
      jstackEnable: String(jstack),
    }),
  );
  return {
    properties: Object.fromEntries(
      Object.entries(body.properties ?? {}).map(([k, v]) => [k, String(v)]),
    ),
    subscriptions: body.subscriptionSet ?? [],
    queues: AdminTransport.queueEntries<Record<string, unknown>>(body.mqTable),
    popQueues: AdminTransport.queueEntries<Record<string, unknown>>(body.mqPopTable),
    statusTable: body.statusTable ?? {},
    ...(body.userConsumerInfo ? { userConsumerInfo: body.userConsumerInfo } : {}),
    ...(body.jstack ? { jstack: body.jstack } : {}),
  };
}

/** Has a live push consumer take one message through its listener, relayed by the message's broker. */
export async function consumeMessageDirectly(
  t: AdminTransport,
  group: string,
  clientId: string,
  m: AdminMessage,
): Promise<ConsumeMessageDirectlyResult> {
  const addr = `${m.storeHost.host}:${m.storeHost.port}`;
  return AdminTransport.json(
    await t.call(addr, `Consume ${m.msgId} in ${clientId}`, RequestCode.CONSUME_MESSAGE_DIRECTLY, {
      consumerGroup: group,
      clientId,
      msgId: m.offsetMsgId,
      topic: m.topic,
    }),
  );
}

/** The groups that consume a topic (QUERY_TOPIC_CONSUME_BY_WHO on a master of it). */
export async function topicConsumers(t: AdminTransport, topic: string): Promise<string[]> {
  const groups = new Set<string>();
  for (const b of await t.topicMasters(topic)) {
    const body = AdminTransport.json<{ groupList?: string[] }>(
      await t.call(b.addr, `Consumers of ${topic}`, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, {
        topic,
      }),
    );
    for (const g of body.groupList ?? []) groups.add(g);
  }
  return [...groups].sort();
}

/** For each group consuming the message's topic: has it consumed the message yet? */
export async function messageTrack(t: AdminTransport, m: AdminMessage): Promise<MessageTrack[]> {
  const out: MessageTrack[] = [];
  const storeAddr = `${m.storeHost.host}:${m.storeHost.port}`;
  const brokerName = Object.values((await t.clusterInfo()).brokerAddrTable).find((b) =>
    Object.values(b.brokerAddrs).includes(storeAddr),
  )?.brokerName;
  for (const consumerGroup of await topicConsumers(t, m.topic)) {
    let cc: ConsumerConnection;
    try {
      cc = await consumerConnection(t, consumerGroup);
    } catch (err) {
      const notOnline =
        err instanceof MQBrokerError && err.responseCode === ResponseCode.CONSUMER_NOT_ONLINE;
      out.push({
        consumerGroup,
        trackType: notOnline ? 'NOT_ONLINE' : 'UNKNOWN',
        exceptionDesc:
          err instanceof MQBrokerError
            ? `CODE:${err.responseCode} DESC:${err.remark}`
            : (err as Error).message,
      });
      continue;
    }
    if (cc.consumeType === 'CONSUME_ACTIVELY') {
      out.push({ consumerGroup, trackType: 'PULL' });
      continue;
    }
    if (cc.messageModel === 'BROADCASTING') {
      out.push({ consumerGroup, trackType: 'CONSUME_BROADCASTING' });
      continue;
    }
    let stats: ConsumeStats;
    try {
      stats = await consumeStats(t, consumerGroup, m.topic);
    } catch (err) {
      out.push({ consumerGroup, trackType: 'UNKNOWN', exceptionDesc: (err as Error).message });
      continue;
    }
    const q = stats.queues.find(
      (s) => s.queueId === m.queueId && (brokerName === undefined || s.brokerName === brokerName),
    );
    if (!q || q.consumerOffset <= m.queueOffset) {
      out.push({ consumerGroup, trackType: 'NOT_CONSUME_YET' });
      continue;
    }
    const sub = cc.subscriptions.find((s) => s.topic === m.topic);
    const tags = parseTagExpression(sub?.subString);
    const tag = m.properties.get(MessageConst.PROPERTY_TAGS) ?? '';
    out.push({
      consumerGroup,
      trackType: tags && !tags.includes(tag) ? 'CONSUMED_BUT_FILTERED' : 'CONSUMED',
    });
  }
  return out;
}
