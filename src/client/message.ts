import type { MessageExt } from '../common/message/message-ext.ts';
import { MessageConst } from '../common/message/message-const.ts';
import { decodeRecord } from '../common/message/message-ext-codec.ts';
import { createOffsetMessageId } from '../common/message/message-id.ts';
import { encodeSocketAddress } from '../common/message/socket-address.ts';
import { inflateSync } from 'node:zlib';
import { MessageSysFlag } from '../common/constants/message-sys-flag.ts';

/** A message to send. */
export interface Message {
  topic: string;
  body: Buffer | Uint8Array | string;
  /** One tag, used by tag filters ("TagA || TagB" subscriptions). */
  tags?: string;
  /** Business keys, indexed by the broker for queries. */
  keys?: string | readonly string[];
  /** User properties. */
  properties?: Record<string, string>;
  /** Messages with the same sharding key go to the same queue (partition order). */
  shardingKey?: string;
  /** User flag, stored as is. */
  flag?: number;
  /**
   * Deliver at this time (a timer message, TIMER_DELIVER_MS): any time up to the broker's
   * timerMaxDelaySec ahead (3 days by default), at the broker's timerPrecisionMs.
   */
  deliveryTimestamp?: number | Date;
  /** Deliver after one of the broker's 18 delay levels (1 = 1 s ... 18 = 2 h; DELAY). */
  delayTimeLevel?: number;
}

/** What a subscription selects: a tag expression ("*", "TagA || TagB") or a SQL92 expression on properties. */
export type MessageSelector = string | { type: 'TAG' | 'SQL92'; expression: string };

export function selectorOf(selector: MessageSelector): {
  type: 'TAG' | 'SQL92';
  expression: string;
} {
  return typeof selector === 'string' ? { type: 'TAG', expression: selector } : selector;
}

/** A queue of a topic on a broker. */
export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** A received message: the stored record, decoded. */
export interface MessageView {
  topic: string;
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  properties: Map<string, string>;
  /** UNIQ_KEY when the producer set one (every rocketmq-ts and Java producer does), else the offset id. */
  msgId: string;
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  reconsumeTimes: number;
  bornTimestamp: number;
  storeTimestamp: number;
  brokerName: string;
}

export function messageQueueKey(mq: MessageQueue): string {
  return `${mq.topic}@${mq.brokerName}@${mq.queueId}`;
}

/** Decodes a pull body (stored records back to back), inflating compressed bodies. */
export function decodeMessages(body: Buffer, brokerName: string): MessageView[] {
  const out: MessageView[] = [];
  for (let p = 0; p + 4 <= body.length;) {
    const size = body.readInt32BE(p);
    if (size <= 0 || p + size > body.length) break;
    out.push(toView(decodeRecord(body, p, true), brokerName));
    p += size;
  }
  return out;
}

function toView(m: MessageExt, brokerName: string): MessageView {
  const offsetMsgId = createOffsetMessageId(
    encodeSocketAddress(m.storeHost.host, m.storeHost.port),
    m.commitLogOffset,
  );
  const keys = m.properties.get(MessageConst.PROPERTY_KEYS);
  const compressed = (m.sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0;
  return {
    topic: m.properties.get(MessageConst.PROPERTY_RETRY_TOPIC) ?? m.topic,
    body: compressed ? inflateSync(m.body) : m.body,
    tags: m.properties.get(MessageConst.PROPERTY_TAGS),
    keys: keys ? keys.split(' ').filter((k) => k !== '') : [],
    properties: m.properties,
    msgId: m.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? offsetMsgId,
    offsetMsgId,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    reconsumeTimes: m.reconsumeTimes,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    brokerName,
  };
}
