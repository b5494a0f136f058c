import { createHash } from 'node:crypto';
import { decompressBody } from '../../common/message/body-compression.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { MessageSysFlag, transactionType } from '../../common/constants/message-sys-flag.ts';
import type { MessageExt } from '../../common/message/message-ext.ts';

/** google.protobuf.Timestamp / Duration as proto-loader hands them over. */
export interface ProtoTime {
  seconds: number | string;
  nanos: number;
}

export const toMillis = (t: ProtoTime | null | undefined): number =>
  t ? Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

export const fromMillis = (ms: number): ProtoTime => ({
  seconds: Math.floor(ms / 1000),
  nanos: (ms % 1000) * 1e6,
});

export interface V2Resource {
  resourceNamespace?: string;
  name: string;
}

/** SystemProperties as they arrive (camelCase, optional fields flagged by their synthetic oneof). */
export interface V2SystemProperties {
  tag?: string;
  keys?: string[];
  messageId?: string;
  bodyEncoding?: string;
  messageType?: string;
  bornTimestamp?: ProtoTime | null;
  bornHost?: string;
  deliveryTimestamp?: ProtoTime | null;
  queueId?: number;
  messageGroup?: string;
  _tag?: string;
  _deliveryTimestamp?: string;
  _messageGroup?: string;
}

export interface V2Message {
  topic: V2Resource;
  userProperties: Record<string, string>;
  systemProperties: V2SystemProperties;
  body: Buffer;
}

/** A namespaced resource as RocketMQ names it inside the broker: `namespace%name`. */
export function wrapNamespace(namespace: string, name: string): string {
  return namespace && !name.startsWith(`${namespace}%`) ? `${namespace}%${name}` : name;
}

export function unwrapNamespace(namespace: string, name: string): string {
  return namespace && name.startsWith(`${namespace}%`) ? name.slice(namespace.length + 1) : name;
}

/** Properties the broker or the protocol owns: never taken from, nor shown as, user properties. */
const SYSTEM_PROPERTIES = new Set<string>([
  MessageConst.PROPERTY_KEYS,
  MessageConst.PROPERTY_TAGS,
  MessageConst.PROPERTY_WAIT_STORE_MSG_OK,
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
  MessageConst.PROPERTY_RETRY_TOPIC,
  MessageConst.PROPERTY_REAL_TOPIC,
  MessageConst.PROPERTY_REAL_QUEUE_ID,
  MessageConst.PROPERTY_TRANSACTION_PREPARED,
  MessageConst.PROPERTY_PRODUCER_GROUP,
  MessageConst.PROPERTY_MIN_OFFSET,
  MessageConst.PROPERTY_MAX_OFFSET,
  MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
  MessageConst.PROPERTY_ORIGIN_MESSAGE_ID,
  MessageConst.PROPERTY_RECONSUME_TIME,
  MessageConst.PROPERTY_MAX_RECONSUME_TIMES,
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
  MessageConst.PROPERTY_TIMER_OUT_MS,
  MessageConst.PROPERTY_BORN_HOST,
  'TRANSACTION_CHECK_TIMES',
  MessageConst.PROPERTY_CLUSTER,
  MessageConst.PROPERTY_MSG_REGION,
  MessageConst.PROPERTY_TRACE_SWITCH,
]);

/** Why a user property key is refused, or undefined. */
export function reservedPropertyKey(key: string): string | undefined {
  return SYSTEM_PROPERTIES.has(key) || key === MessageConst.PROPERTY_SHARDING_KEY
    ? `the user property key "${key}" is reserved by RocketMQ`
    : undefined;
}

/** The message type a stored message was sent as. */
export function messageTypeOf(m: MessageExt): 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' {
  if (transactionType(m.sysFlag) !== MessageSysFlag.TRANSACTION_NOT_TYPE) return 'TRANSACTION';
  if (m.properties.has(MessageConst.PROPERTY_SHARDING_KEY)) return 'FIFO';
  if (
    m.properties.has(MessageConst.PROPERTY_TIMER_OUT_MS) ||
    m.properties.has(MessageConst.PROPERTY_DELAY_TIME_LEVEL)
  )
    return 'DELAY';
  return 'NORMAL';
}

export interface DeliveryInfo {
  namespace: string;
  receiptHandle?: string;
  invisibleMs?: number;
  /** Topic shown to the client (a half message shows its real topic). */
  topic?: string;
}

/** A stored message as a v2 Message: the producer's id, MD5 digest (uppercase hex), handle, attempt. */
export function toV2Message(m: MessageExt, info: DeliveryInfo): Record<string, unknown> {
  const body = decompressBody(m.body, m.sysFlag);
  const props = m.properties;
  const userProperties: Record<string, string> = {};
  for (const [k, v] of props) if (!SYSTEM_PROPERTIES.has(k)) userProperties[k] = v;
  const uniq = props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  const tag = props.get(MessageConst.PROPERTY_TAGS);
  const group = props.get(MessageConst.PROPERTY_SHARDING_KEY);
  const due = Number(props.get(MessageConst.PROPERTY_TIMER_OUT_MS) ?? 0);
  const topic = info.topic ?? m.topic;
  const system: Record<string, unknown> = {
    keys: (props.get(MessageConst.PROPERTY_KEYS) ?? '').split(' ').filter((k) => k !== ''),
    messageId: uniq ?? m.commitLogOffset.toString(16).toUpperCase(),
    bodyDigest: {
      type: 'MD5',
      checksum: createHash('md5').update(body).digest('hex').toUpperCase(),
    },
    bodyEncoding: 'IDENTITY',
    messageType: messageTypeOf(m),
    bornTimestamp: fromMillis(m.bornTimestamp),
    bornHost: props.get(MessageConst.PROPERTY_BORN_HOST) || m.bornHost.host,
    storeTimestamp: fromMillis(m.storeTimestamp),
    storeHost: `${m.storeHost.host}:${m.storeHost.port}`,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    deliveryAttempt: m.reconsumeTimes + 1,
  };
  if (tag !== undefined) system.tag = tag;
  if (group !== undefined) system.messageGroup = group;
  if (due > 0) system.deliveryTimestamp = fromMillis(due);
  if (info.receiptHandle !== undefined) system.receiptHandle = info.receiptHandle;
  if (info.invisibleMs !== undefined) system.invisibleDuration = fromMillis(info.invisibleMs);
  return {
    topic: { resourceNamespace: info.namespace, name: unwrapNamespace(info.namespace, topic) },
    userProperties,
    systemProperties: system,
    body,
  };
}
