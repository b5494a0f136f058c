import {
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
} from '../../common/message/message-const.ts';

/** The properties the send path routes by, read from the properties string in one scan. */
export interface SendProperties {
  tags: string | undefined;
  keys: string | undefined;
  uniqKey: string | undefined;
  /** TRAN_MSG=true: a transaction half (some clients flag it here, not in sysFlag). */
  transactionPrepared: boolean;
  /** The delay level (DELAY), as sent. */
  delayLevel: string | undefined;
  /** The first timer property present: absolute TIMER_DELIVER_MS, else TIMER_DELAY_SEC, else _MS. */
  timer: { name: string; value: string } | undefined;
  /** CLUSTER, MSG_REGION and TRACE_ON, when the client already set them. */
  cluster: string | undefined;
  region: string | undefined;
  traceOn: string | undefined;
  /** REPLY_TO_CLIENT: a reply's requester. */
  replyToClient: string | undefined;
}

/** The names the scan looks for, in the order of `found` below. */
const WANTED = [
  MessageConst.PROPERTY_TAGS,
  MessageConst.PROPERTY_KEYS,
  MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
  MessageConst.PROPERTY_TRANSACTION_PREPARED,
  MessageConst.PROPERTY_DELAY_TIME_LEVEL,
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
  MessageConst.PROPERTY_CLUSTER,
  MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT,
  MessageConst.PROPERTY_MSG_REGION,
  MessageConst.PROPERTY_TRACE_SWITCH,
] as const;

/**
 * One pass over the `name\x01value\x02` pairs, keeping only what routing needs; names are compared
 * in place (no string per pair) and only wanted values are sliced. The first of a repeated name
 * counts, as a single-property look-up would find it.
 */
export function readSendProperties(text: string): SendProperties {
  const found: (string | undefined)[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = text.length;
    const sep = text.indexOf(NAME_VALUE_SEPARATOR, start);
    if (sep >= start && sep < end) {
      for (let k = 0; k < WANTED.length; k++) {
        const name = WANTED[k] as string;
        if (sep - start === name.length && found[k] === undefined && text.startsWith(name, start))
          found[k] = text.slice(sep + 1, end);
      }
    }
    start = end + 1;
  }
  const [
    tags,
    keys,
    uniqKey,
    prepared,
    delayLevel,
    deliverMs,
    delaySec,
    delayMs,
    cluster,
    replyTo,
    region,
    traceOn,
  ] = found;
  return {
    tags,
    keys,
    uniqKey,
    transactionPrepared: prepared === 'true',
    cluster,
    region,
    traceOn,
    replyToClient: replyTo,
    delayLevel,
    timer:
      deliverMs !== undefined
        ? { name: MessageConst.PROPERTY_TIMER_DELIVER_MS, value: deliverMs }
        : delaySec !== undefined
          ? { name: MessageConst.PROPERTY_TIMER_DELAY_SEC, value: delaySec }
          : delayMs !== undefined
            ? { name: MessageConst.PROPERTY_TIMER_DELAY_MS, value: delayMs }
            : undefined,
  };
}
