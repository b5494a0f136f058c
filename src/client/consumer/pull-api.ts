import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { PullSysFlag } from '../../remoting/protocol/pull-sys-flag.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { parseTagExpression } from '../../common/protocol-data/heartbeat-data.ts';
import { MQClientError } from '../client-errors.ts';
import type { ClientInstance } from '../client-instance.ts';
import { readAddress } from '../route/topic-route-cache.ts';
import { decodeMessages, type MessageQueue, type MessageView } from '../message.ts';

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  pullStatus: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Messages matching the expression (tags checked exactly, not only by hash). */
  messages: MessageView[];
}

const STATUS_BY_CODE: Record<number, PullStatus> = {
  [ResponseCode.SUCCESS]: 'FOUND',
  [ResponseCode.PULL_NOT_FOUND]: 'NO_NEW_MSG',
  [ResponseCode.PULL_RETRY_IMMEDIATELY]: 'NO_MATCHED_MSG',
  [ResponseCode.PULL_OFFSET_MOVED]: 'OFFSET_ILLEGAL',
};

export interface PullRequest {
  group: string;
  queue: MessageQueue;
  expression: string;
  /** @defaultValue "TAG" */
  expressionType?: 'TAG' | 'SQL92';
  offset: number;
  maxNums: number;
  /** Hold the pull at the broker up to this long when nothing is there (long polling); 0 = answer at once. */
  suspendTimeoutMillis?: number;
  /** Commit this offset for the group with the pull. */
  commitOffset?: number;
}

/** Which broker of a group each queue is read from next, as the last pull answer suggested. */
const suggestions = new WeakMap<ClientInstance, Map<string, number>>();

const queueKey = (q: MessageQueue): string => `${q.topic}@${q.brokerName}@${q.queueId}`;

/**
 * One PULL_MESSAGE round trip, shared by the pull consumers. It goes to the broker of the group
 * the previous answer suggested (suggestWhichBrokerId: a slave for a cold backlog when the broker
 * allows slave reads), to the master otherwise, and to a slave when the master is not in the
 * route; a pull from a slave does not carry the offset commit (RocketMQ's client rule).
 */
export async function pullOnce(client: ClientInstance, r: PullRequest): Promise<PullResult> {
  const route = await client.route(r.queue.topic);
  let table = suggestions.get(client);
  if (!table) {
    table = new Map();
    suggestions.set(client, table);
  }
  const key = queueKey(r.queue);
  const target = readAddress(route, r.queue.brokerName, table.get(key) ?? 0);
  const addr = target?.addr ?? client.masterAddr(r.queue.brokerName);
  if (!addr) throw new MQClientError('NO_ROUTE', `No address for broker ${r.queue.brokerName}`);
  const suspend = r.suspendTimeoutMillis ?? 0;
  let sysFlag = PullSysFlag.SUBSCRIPTION;
  if (suspend > 0) sysFlag |= PullSysFlag.SUSPEND;
  if (r.commitOffset !== undefined && r.commitOffset >= 0 && (target?.brokerId ?? 0) === 0)
    sysFlag |= PullSysFlag.COMMIT_OFFSET;
  const res = await client.call(
    addr,
    `Pull ${r.queue.topic}-${r.queue.queueId}`,
    createRequest(RequestCode.PULL_MESSAGE, 0, {
      consumerGroup: r.group,
      topic: r.queue.topic,
      queueId: String(r.queue.queueId),
      queueOffset: String(r.offset),
      maxMsgNums: String(r.maxNums),
      sysFlag: String(sysFlag),
      commitOffset: String(r.commitOffset ?? -1),
      suspendTimeoutMillis: String(suspend),
      subscription: r.expression,
      subVersion: String(Date.now()),
      expressionType: r.expressionType ?? 'TAG',
    }),
    suspend + client.requestTimeoutMs,
    Object.keys(STATUS_BY_CODE).map(Number),
  );
  const suggested = Number(res.extFields?.suggestWhichBrokerId ?? 0);
  if (suggested > 0) table.set(key, suggested);
  else table.delete(key);
  const pullStatus = STATUS_BY_CODE[res.code] ?? 'NO_NEW_MSG';
  const tags = r.expressionType === 'SQL92' ? undefined : parseTagExpression(r.expression);
  const all =
    res.body && pullStatus === 'FOUND' ? decodeMessages(res.body, r.queue.brokerName) : [];
  const messages = tags ? all.filter((m) => m.tags !== undefined && tags.includes(m.tags)) : all;
  return {
    pullStatus: pullStatus === 'FOUND' && messages.length === 0 ? 'NO_MATCHED_MSG' : pullStatus,
    nextBeginOffset: Number(res.extFields?.nextBeginOffset ?? r.offset),
    minOffset: Number(res.extFields?.minOffset ?? 0),
    maxOffset: Number(res.extFields?.maxOffset ?? 0),
    messages,
  };
}

/** The master of the queue's broker group, or a slave of it while the master is down. */
async function brokerOf(client: ClientInstance, queue: MessageQueue): Promise<string> {
  const route = await client.route(queue.topic);
  const addr = readAddress(route, queue.brokerName, 0)?.addr ?? client.masterAddr(queue.brokerName);
  if (!addr) throw new MQClientError('NO_ROUTE', `No address for broker ${queue.brokerName}`);
  return addr;
}

/** Offset queries on a queue's broker: committed, max, min, by timestamp. */
export async function queueOffset(
  client: ClientInstance,
  queue: MessageQueue,
  kind: 'max' | 'min' | 'time',
  timestamp = 0,
): Promise<number> {
  const addr = await brokerOf(client, queue);
  const code =
    kind === 'max'
      ? RequestCode.GET_MAX_OFFSET
      : kind === 'min'
        ? RequestCode.GET_MIN_OFFSET
        : RequestCode.SEARCH_OFFSET_BY_TIMESTAMP;
  const ext: Record<string, string> = { topic: queue.topic, queueId: String(queue.queueId) };
  if (kind === 'time') ext.timestamp = String(timestamp);
  const res = await client.call(
    addr,
    `Offset of ${queue.topic}-${queue.queueId}`,
    createRequest(code, 0, ext),
  );
  return Number(res.extFields?.offset ?? 0);
}

/** The group's committed offset, or -1 when it has none. */
export async function fetchConsumeOffset(
  client: ClientInstance,
  group: string,
  queue: MessageQueue,
): Promise<number> {
  const addr = await brokerOf(client, queue);
  const res = await client.call(
    addr,
    `Committed offset of ${group}`,
    createRequest(RequestCode.QUERY_CONSUMER_OFFSET, 0, {
      consumerGroup: group,
      topic: queue.topic,
      queueId: String(queue.queueId),
    }),
    client.requestTimeoutMs,
    [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND],
  );
  return res.code === ResponseCode.SUCCESS ? Number(res.extFields?.offset ?? -1) : -1;
}

export async function updateConsumeOffset(
  client: ClientInstance,
  group: string,
  queue: MessageQueue,
  offset: number,
): Promise<void> {
  const addr = await brokerOf(client, queue);
  await client.call(
    addr,
    `Commit offset of ${group}`,
    createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, 0, {
      consumerGroup: group,
      topic: queue.topic,
      queueId: String(queue.queueId),
      commitOffset: String(offset),
    }),
  );
}
