import { RequestCode } from '../remoting/protocol/request-code.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';
import { PullSysFlag } from '../remoting/protocol/pull-sys-flag.ts';
import { createOffsetMessageId, decodeOffsetMessageId } from '../common/message/message-id.ts';
import { decodeRecord } from '../common/message/message-ext-codec.ts';
import { encodeProperties } from '../common/message/message-properties.ts';
import { encodeSocketAddress } from '../common/message/socket-address.ts';
import { decompressBody } from '../common/message/body-compression.ts';
import { MessageConst } from '../common/message/message-const.ts';
import { MessageSysFlag } from '../common/constants/message-sys-flag.ts';
import { parseTagExpression } from '../common/protocol-data/heartbeat-data.ts';
import type { MessageExt } from '../common/message/message-ext.ts';
import type { AdminTransport, MessageQueue } from './admin-transport.ts';

/** A stored message as the admin tools show it: its body uncompressed, both of its ids. */
export interface AdminMessage extends MessageExt {
  /** The producer's id (UNIQ_KEY), or the offset id when the message has none (MessageClientExt). */
  msgId: string;
  /** Store host and CommitLog offset: where VIEW_MESSAGE_BY_ID finds it. */
  offsetMsgId: string;
}

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  pullStatus: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  messages: AdminMessage[];
}

/** A send's outcome, named as RocketMQ's SendResult names it. */
export interface SendResult {
  sendStatus: 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';
  msgId: string;
  offsetMsgId: string;
  messageQueue: MessageQueue;
  queueOffset: number;
}

export interface QueryOptions {
  maxNum?: number;
  begin?: number;
  end?: number;
  /** Only the brokers of this cluster. */
  clusterName?: string | undefined;
}

/** The group mqadmin's own pulls and resends use. */
const TOOLS_CONSUMER_GROUP = 'TOOLS_CONSUMER';
/** The ext field that marks a QUERY_MESSAGE as a look-up by UNIQ_KEY (MixAll.UNIQUE_MSG_QUERY_FLAG). */
const UNIQUE_MSG_QUERY_FLAG = '_UNIQUE_KEY_QUERY';

const PULL_STATUS: Readonly<Record<number, PullStatus>> = {
  [ResponseCode.SUCCESS]: 'FOUND',
  [ResponseCode.PULL_NOT_FOUND]: 'NO_NEW_MSG',
  [ResponseCode.PULL_RETRY_IMMEDIATELY]: 'NO_MATCHED_MSG',
  [ResponseCode.PULL_OFFSET_MOVED]: 'OFFSET_ILLEGAL',
};

const SEND_STATUS: Readonly<Record<number, SendResult['sendStatus']>> = {
  [ResponseCode.SUCCESS]: 'SEND_OK',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'FLUSH_DISK_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'FLUSH_SLAVE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'SLAVE_NOT_AVAILABLE',
};

/** Sysflag bits a resend clears: the body goes out uncompressed, the hosts are the broker's to set. */
const RESEND_CLEARED_SYSFLAG =
  MessageSysFlag.COMPRESSED_FLAG |
  MessageSysFlag.COMPRESSION_LZ4_TYPE |
  MessageSysFlag.COMPRESSION_ZSTD_TYPE |
  MessageSysFlag.BORNHOST_V6_FLAG |
  MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;

/** Bookkeeping of retries and delays that a resent message must not carry to its topic. */
const RESEND_DROPPED_PROPERTIES = [
  MessageConst.PROPERTY_RETRY_TOPIC,
  MessageConst.PROPERTY_RECONSUME_TIME,
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
  MessageConst.PROPERTY_REAL_TOPIC,
  MessageConst.PROPERTY_REAL_QUEUE_ID,
  MessageConst.PROPERTY_ORIGIN_MESSAGE_ID,
  MessageConst.PROPERTY_MAX_RECONSUME_TIMES,
];

function adminMessage(m: MessageExt): AdminMessage {
  const offsetMsgId = createOffsetMessageId(
    encodeSocketAddress(m.storeHost.host, m.storeHost.port),
    m.commitLogOffset,
  );
  return {
    ...m,
    body: decompressBody(m.body, m.sysFlag),
    msgId: m.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? offsetMsgId,
    offsetMsgId,
  };
}

/** The records of a QUERY_MESSAGE or PULL_MESSAGE body. */
function decodeAll(body: Buffer | undefined): AdminMessage[] {
  const out: AdminMessage[] = [];
  if (!body) return out;
  for (let p = 0; p + 4 <= body.length; p += body.readInt32BE(p))
    out.push(adminMessage(decodeRecord(body, p, true)));
  return out;
}

/** The message an offset message id names, from the broker in the id. */
export async function viewMessage(t: AdminTransport, offsetMsgId: string): Promise<AdminMessage> {
  const { host, port, commitLogOffset } = decodeOffsetMessageId(offsetMsgId);
  const res = await t.call(
    `${host}:${port}`,
    `Message ${offsetMsgId}`,
    RequestCode.VIEW_MESSAGE_BY_ID,
    {
      offset: String(commitLogOffset),
    },
  );
  if (!res.body) throw new Error(`Message ${offsetMsgId}: the broker sent no record`);
  return adminMessage(decodeRecord(res.body, 0, true));
}

/**
 * QUERY_MESSAGE on every master of the topic: by key (a word of KEYS) or, with `uniqueKey`, by
 * the producer's message id. The IndexFile answers by hash, so matches are checked here.
 */
export async function queryMessages(
  t: AdminTransport,
  topic: string,
  key: string,
  uniqueKey: boolean,
  o: QueryOptions = {},
): Promise<AdminMessage[]> {
  const out: AdminMessage[] = [];
  for (const b of await t.topicMasters(topic, o.clusterName)) {
    const res = await t.call(
      b.addr,
      `Query ${topic} by ${uniqueKey ? 'message id' : 'key'} ${key}`,
      RequestCode.QUERY_MESSAGE,
      {
        topic,
        key,
        maxNum: String(o.maxNum ?? 64),
        beginTimestamp: String(o.begin ?? 0),
        endTimestamp: String(o.end ?? Number.MAX_SAFE_INTEGER),
        ...(uniqueKey ? { [UNIQUE_MSG_QUERY_FLAG]: 'true' } : {}),
      },
      undefined,
      [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND],
    );
    if (res.code !== ResponseCode.SUCCESS) continue;
    for (const m of decodeAll(res.body)) {
      const keys = (m.properties.get(MessageConst.PROPERTY_KEYS) ?? '').split(' ');
      if (uniqueKey ? m.msgId === key : m.topic === topic && keys.includes(key)) out.push(m);
    }
  }
  return out.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
}

/**
 * A message by either id, as mqadmin 5 takes `-i`: an offset message id whose host is one of the
 * brokers is read from there; anything else (a producer's UNIQ_KEY id, which has the same form)
 * is looked up by unique key on the topic. Undefined when neither finds it.
 */
export async function findMessage(
  t: AdminTransport,
  topic: string,
  msgId: string,
  clusterName?: string,
): Promise<AdminMessage | undefined> {
  let offsetAddr: string | undefined;
  try {
    const { host, port } = decodeOffsetMessageId(msgId);
    offsetAddr = `${host}:${port}`;
  } catch {
    // Not 32 or 56 hex characters: only a unique key can match.
  }
  if (offsetAddr !== undefined) {
    const info = await t.clusterInfo();
    const brokers = Object.values(info.brokerAddrTable).flatMap((b) =>
      Object.values(b.brokerAddrs),
    );
    if (brokers.includes(offsetAddr)) {
      const m = await viewMessage(t, msgId).catch(() => undefined);
      if (m) return m;
    }
  }
  const found = await queryMessages(t, topic, msgId, true, { maxNum: 32, clusterName });
  return found[0];
}

/** One PULL_MESSAGE as the tools' consumer group, the expression's tags checked exactly. */
export async function pullMessages(
  t: AdminTransport,
  addr: string,
  queue: MessageQueue,
  expression: string,
  offset: number,
  maxNums: number,
): Promise<PullResult> {
  const res = await t.call(
    addr,
    `Pull ${queue.topic}-${queue.queueId}`,
    RequestCode.PULL_MESSAGE,
    {
      consumerGroup: TOOLS_CONSUMER_GROUP,
      topic: queue.topic,
      queueId: String(queue.queueId),
      queueOffset: String(offset),
      maxMsgNums: String(maxNums),
      sysFlag: String(PullSysFlag.SUBSCRIPTION),
      commitOffset: '0',
      suspendTimeoutMillis: '0',
      subscription: expression,
      subVersion: '0',
      expressionType: 'TAG',
    },
    undefined,
    Object.keys(PULL_STATUS).map(Number),
  );
  const status = PULL_STATUS[res.code] ?? 'NO_NEW_MSG';
  const tags = parseTagExpression(expression);
  const all = status === 'FOUND' ? decodeAll(res.body) : [];
  const messages = tags
    ? all.filter((m) => tags.includes(m.properties.get(MessageConst.PROPERTY_TAGS) ?? ''))
    : all;
  return {
    pullStatus: status === 'FOUND' && messages.length === 0 ? 'NO_MATCHED_MSG' : status,
    nextBeginOffset: Number(res.extFields?.nextBeginOffset ?? offset),
    minOffset: Number(res.extFields?.minOffset ?? 0),
    maxOffset: Number(res.extFields?.maxOffset ?? 0),
    messages,
  };
}

/** A queue's min or max offset, or the offset of its first message stored at or after `timestamp`. */
export async function queueOffset(
  t: AdminTransport,
  addr: string,
  queue: MessageQueue,
  kind: 'min' | 'max' | 'time',
  timestamp = 0,
): Promise<number> {
  const code =
    kind === 'min'
      ? RequestCode.GET_MIN_OFFSET
      : kind === 'max'
        ? RequestCode.GET_MAX_OFFSET
        : RequestCode.SEARCH_OFFSET_BY_TIMESTAMP;
  const ext: Record<string, string> = { topic: queue.topic, queueId: String(queue.queueId) };
  if (kind === 'time') ext.timestamp = String(timestamp);
  const res = await t.call(addr, `Offset of ${queue.topic}-${queue.queueId}`, code, ext);
  return Number(res.extFields?.offset ?? 0);
}

/**
 * Sends a stored message again to its original topic: the RETRY_TOPIC property when it has one
 * (a dead letter, a retry), else its topic. Retry bookkeeping is dropped, the id and body kept.
 */
export async function resendMessage(t: AdminTransport, m: AdminMessage): Promise<SendResult> {
  const target = m.properties.get(MessageConst.PROPERTY_RETRY_TOPIC) ?? m.topic;
  const props = new Map(m.properties);
  for (const k of RESEND_DROPPED_PROPERTIES) props.delete(k);
  const [broker] = await t.topicMasters(target);
  if (!broker) throw new Error(`Cannot resend ${m.msgId}: no master serves topic "${target}"`);
  const sysFlag = m.sysFlag & ~RESEND_CLEARED_SYSFLAG;
  const res = await t.call(
    broker.addr,
    `Resend ${m.msgId} to ${target}`,
    RequestCode.SEND_MESSAGE_V2,
    {
      a: TOOLS_CONSUMER_GROUP,
      b: target,
      c: 'TBW102',
      d: '4',
      e: '-1',
      f: String(sysFlag),
      g: String(Date.now()),
      h: String(m.flag),
      i: encodeProperties(props),
      j: '0',
      k: 'false',
    },
    m.body,
    Object.keys(SEND_STATUS).map(Number),
  );
  return {
    sendStatus: SEND_STATUS[res.code] ?? 'SEND_OK',
    msgId:
      props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? res.extFields?.msgId ?? '',
    offsetMsgId: res.extFields?.msgId ?? '',
    messageQueue: {
      topic: target,
      brokerName: broker.brokerName,
      queueId: Number(res.extFields?.queueId ?? -1),
    },
    queueOffset: Number(res.extFields?.queueOffset ?? -1),
  };
}
