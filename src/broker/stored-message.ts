import type { MessageExt, MessageExtBrokerInner } from '../common/message/message-ext.ts';
import { MessageConst } from '../common/message/message-const.ts';
import { encodeProperties, replaceProperties } from '../common/message/message-properties.ts';
import { tagsHashCode } from '../common/message/java-hash.ts';
import { recordLayout, RecordOffset } from '../common/message/message-ext-codec.ts';

/**
 * A stored message made ready to append again (retries, delayed delivery, committed
 * transactions): same body, flag, born time and host, with new properties and a new target.
 */
export function restoreForAppend(
  record: Buffer,
  msg: MessageExt,
  props: ReadonlyMap<string, string>,
  storeHost: Uint8Array,
  target: { topic: string; queueId: number },
  overrides: Partial<MessageExtBrokerInner> = {},
): MessageExtBrokerInner {
  const layout = recordLayout(msg.sysFlag);
  return {
    topic: target.topic,
    queueId: target.queueId,
    flag: msg.flag,
    body: msg.body,
    propertiesString: encodeProperties(props),
    tagsCode: tagsHashCode(props.get(MessageConst.PROPERTY_TAGS)),
    sysFlag: msg.sysFlag,
    bornTimestamp: msg.bornTimestamp,
    bornHost: record.subarray(RecordOffset.BORNHOST, RecordOffset.BORNHOST + layout.bornHostLength),
    storeHost,
    reconsumeTimes: msg.reconsumeTimes,
    preparedTransactionOffset: 0,
    keys: props.get(MessageConst.PROPERTY_KEYS),
    uniqKey: props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
    ...overrides,
  };
}

/**
 * A message parked in a system topic (delay levels, timer messages, transaction halves) until it
 * is due: REAL_TOPIC and REAL_QUEUE_ID keep where it goes then, `extra` adds the properties the
 * parking needs. `restoreForAppend` is the way back.
 */
export function parkInSystemTopic(
  msg: MessageExtBrokerInner,
  target: { topic: string; queueId: number; tagsCode: number },
  extra: readonly (readonly [string, string])[],
): MessageExtBrokerInner {
  const propertiesString = replaceProperties(msg.propertiesString, [
    ...extra,
    [MessageConst.PROPERTY_REAL_TOPIC, msg.topic],
    [MessageConst.PROPERTY_REAL_QUEUE_ID, String(msg.queueId)],
  ]);
  return { ...msg, ...target, propertiesString };
}
