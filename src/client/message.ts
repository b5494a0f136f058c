import { MessageConst } from '../common/message/message-const.ts';
import {
  readLong,
  recordLayout,
  RecordOffset,
  type RecordLayout,
} from '../common/message/message-ext-codec.ts';
import { offsetMessageIdOf, offsetMessageIdPrefix } from '../common/message/message-id.ts';
import { decodeProperties } from '../common/message/message-properties.ts';
import { MagicCode } from '../common/constants/magic-code.ts';
import { decompressBody } from '../common/message/body-compression.ts';

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

/**
 * Decodes a pull body (stored records back to back), inflating compressed bodies. Reads only what
 * a MessageView holds, straight from the record bytes: bodies are views of the pull body (no
 * copy), and the store-host half of offset ids is formatted once per host, not per message.
 */
export function decodeMessages(body: Buffer, brokerName: string): MessageView[] {
  const out: MessageView[] = [];
  let hostKey = -1;
  let hostPrefix = '';
  for (let p = 0; p + 4 <= body.length;) {
    const size = body.readInt32BE(p);
    if (size <= 0 || p + size > body.length) break;
    const sysFlag = body.readInt32BE(p + RecordOffset.SYSFLAG);
    const layout = recordLayout(sysFlag);
    const storeHostAt = p + layout.storeHost;
    // IPv4 hosts (the usual case) keyed by their 8 bytes; IPv6 formatted each time.
    const key =
      layout.storeHostLength === 8
        ? body.readUInt32BE(storeHostAt) * 65536 + body.readUInt16BE(storeHostAt + 6)
        : -2;
    if (key !== hostKey || key === -2) {
      hostPrefix = offsetMessageIdPrefix(
        body.subarray(storeHostAt, storeHostAt + layout.storeHostLength),
      );
      hostKey = key;
    }
    out.push(toView(body, p, sysFlag, layout, hostPrefix, brokerName));
    p += size;
  }
  return out;
}

function toView(
  buf: Buffer,
  pos: number,
  sysFlag: number,
  layout: RecordLayout,
  hostPrefix: string,
  brokerName: string,
): MessageView {
  const bodyLength = buf.readInt32BE(pos + layout.bodyLength);
  const bodyStart = pos + layout.body;
  const stored = buf.subarray(bodyStart, bodyStart + bodyLength);
  let p = bodyStart + bodyLength;
  const v2 = buf.readInt32BE(pos + RecordOffset.MAGICCODE) === MagicCode.MESSAGE_V2;
  const topicLength = v2 ? buf.readInt16BE(p) : buf.readUInt8(p);
  p += v2 ? 2 : 1;
  const storedTopic = buf.toString('utf8', p, p + topicLength);
  p += topicLength;
  const propertiesLength = buf.readInt16BE(p);
  const properties = decodeProperties(buf.toString('utf8', p + 2, p + 2 + propertiesLength));
  const commitLogOffset = readLong(buf, pos + RecordOffset.PHYSICALOFFSET);
  const offsetMsgId = offsetMessageIdOf(hostPrefix, commitLogOffset);
  const keys = properties.get(MessageConst.PROPERTY_KEYS);
  return {
    topic: properties.get(MessageConst.PROPERTY_RETRY_TOPIC) ?? storedTopic,
    body: decompressBody(stored, sysFlag),
    tags: properties.get(MessageConst.PROPERTY_TAGS),
    keys: keys ? keys.split(' ').filter((k) => k !== '') : [],
    properties,
    msgId: properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? offsetMsgId,
    offsetMsgId,
    queueId: buf.readInt32BE(pos + RecordOffset.QUEUEID),
    queueOffset: readLong(buf, pos + RecordOffset.QUEUEOFFSET),
    commitLogOffset,
    reconsumeTimes: buf.readInt32BE(pos + layout.reconsumeTimes),
    bornTimestamp: readLong(buf, pos + RecordOffset.BORNTIMESTAMP),
    storeTimestamp: readLong(buf, pos + layout.storeTimestamp),
    brokerName,
  };
}
