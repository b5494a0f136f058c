import { MagicCode } from '../constants/magic-code.ts';
import { MessageSysFlag } from '../constants/message-sys-flag.ts';
import { bodyCrc32 } from './crc32.ts';
import type { MessageExt, MessageExtBrokerInner } from './message-ext.ts';
import { decodeSocketAddress } from './socket-address.ts';
import { decodeProperties } from './message-properties.ts';

/*
 * CommitLog record layout (big-endian), RocketMQ's MessageExt format:
 *   0 TOTALSIZE 4 | 4 MAGICCODE 4 | 8 BODYCRC 4 | 12 QUEUEID 4 | 16 FLAG 4 | 20 QUEUEOFFSET 8
 *  28 PHYSICALOFFSET 8 | 36 SYSFLAG 4 | 40 BORNTIMESTAMP 8 | 48 BORNHOST 8 or 20
 *   . STORETIMESTAMP 8 | STOREHOST 8 or 20 | RECONSUMETIMES 4 | PREPAREDTRANSACTIONOFFSET 8
 *   . BODYLEN 4 | BODY | TOPICLEN 1 (V1) or 2 (V2) | TOPIC | PROPERTIESLEN 2 | PROPERTIES
 */

export const RecordOffset = {
  TOTALSIZE: 0,
  MAGICCODE: 4,
  BODYCRC: 8,
  QUEUEID: 12,
  FLAG: 16,
  QUEUEOFFSET: 20,
  PHYSICALOFFSET: 28,
  SYSFLAG: 36,
  BORNTIMESTAMP: 40,
  BORNHOST: 48,
} as const;

/** Longest topic stored in V1 records; longer topics use V2 (two-byte topic length). */
export const MAX_V1_TOPIC_BYTES = 127;
/** Properties length is a signed int16 on the wire. */
export const MAX_PROPERTIES_BYTES = 32767;

const hostLength = (sysFlag: number, v6Bit: number): number => ((sysFlag & v6Bit) !== 0 ? 20 : 8);

/** Offset of STORETIMESTAMP inside a record with this sysflag. */
export function storeTimestampOffset(sysFlag: number): number {
  return RecordOffset.BORNHOST + hostLength(sysFlag, MessageSysFlag.BORNHOST_V6_FLAG);
}

/** Bytes a record takes for the given field lengths. */
export function recordLength(
  sysFlag: number,
  bodyLength: number,
  topicLength: number,
  propertiesLength: number,
): number {
  const topicLengthSize = topicLength > MAX_V1_TOPIC_BYTES ? 2 : 1;
  return (
    48 +
    hostLength(sysFlag, MessageSysFlag.BORNHOST_V6_FLAG) +
    8 +
    hostLength(sysFlag, MessageSysFlag.STOREHOSTADDRESS_V6_FLAG) +
    4 +
    8 +
    4 +
    bodyLength +
    topicLengthSize +
    topicLength +
    2 +
    propertiesLength
  );
}

/** Sysflag with the host-family bits set from the host byte lengths. */
export function sysFlagWithHosts(msg: MessageExtBrokerInner): number {
  let flag =
    msg.sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
  if (msg.bornHost.length === 20) flag |= MessageSysFlag.BORNHOST_V6_FLAG;
  if (msg.storeHost.length === 20) flag |= MessageSysFlag.STOREHOSTADDRESS_V6_FLAG;
  return flag;
}

/** Field lengths of a message about to be encoded, computed once per append. */
export interface EncodedLengths {
  sysFlag: number;
  topicLength: number;
  propertiesLength: number;
  total: number;
}

export function measureRecord(msg: MessageExtBrokerInner): EncodedLengths {
  const sysFlag = sysFlagWithHosts(msg);
  const topicLength = Buffer.byteLength(msg.topic, 'utf8');
  const propertiesLength = Buffer.byteLength(msg.propertiesString, 'utf8');
  return {
    sysFlag,
    topicLength,
    propertiesLength,
    total: recordLength(sysFlag, msg.body.length, topicLength, propertiesLength),
  };
}

/**
 * Writes one record into `target` at `pos`, stamping queue offset, physical offset and store time.
 * The caller has checked that `lengths.total` bytes fit. Returns the record length.
 */
export function encodeRecord(
  target: Buffer,
  pos: number,
  msg: MessageExtBrokerInner,
  lengths: EncodedLengths,
  queueOffset: number,
  physicalOffset: number,
  storeTimestamp: number,
): number {
  const { sysFlag, topicLength, propertiesLength, total } = lengths;
  let p = pos;
  p = target.writeInt32BE(total, p);
  p = target.writeInt32BE(
    topicLength > MAX_V1_TOPIC_BYTES ? MagicCode.MESSAGE_V2 : MagicCode.MESSAGE_V1,
    p,
  );
  p = target.writeInt32BE(bodyCrc32(msg.body), p);
  p = target.writeInt32BE(msg.queueId, p);
  p = target.writeInt32BE(msg.flag, p);
  p = writeLong(target, queueOffset, p);
  p = writeLong(target, physicalOffset, p);
  p = target.writeInt32BE(sysFlag, p);
  p = writeLong(target, msg.bornTimestamp, p);
  target.set(msg.bornHost, p);
  p += msg.bornHost.length;
  p = writeLong(target, storeTimestamp, p);
  target.set(msg.storeHost, p);
  p += msg.storeHost.length;
  p = target.writeInt32BE(msg.reconsumeTimes, p);
  p = writeLong(target, msg.preparedTransactionOffset, p);
  p = target.writeInt32BE(msg.body.length, p);
  target.set(msg.body, p);
  p += msg.body.length;
  if (topicLength > MAX_V1_TOPIC_BYTES) p = target.writeInt16BE(topicLength, p);
  else p = target.writeInt8(topicLength, p);
  p += target.write(msg.topic, p, topicLength, 'utf8');
  p = target.writeInt16BE(propertiesLength, p);
  p += target.write(msg.propertiesString, p, propertiesLength, 'utf8');
  return p - pos;
}

/** Writes an integer of magnitude below 2^53 as an int64 (two's complement) without a BigInt. */
export function writeLong(target: Buffer, value: number, pos: number): number {
  const high = Math.floor(value / 0x100000000);
  target.writeInt32BE(high | 0, pos);
  target.writeUInt32BE(value >>> 0, pos + 4);
  return pos + 8;
}

/** Reads an int64 into a number (exact below 2^53). */
export function readLong(source: Buffer, pos: number): number {
  return source.readInt32BE(pos) * 0x100000000 + source.readUInt32BE(pos + 4);
}

/** Field positions of the variable part of a record. */
export interface RecordLayout {
  storeTimestamp: number;
  storeHost: number;
  storeHostLength: number;
  bornHostLength: number;
  reconsumeTimes: number;
  bodyLength: number;
  body: number;
}

export function recordLayout(sysFlag: number): RecordLayout {
  const bornHostLength = hostLength(sysFlag, MessageSysFlag.BORNHOST_V6_FLAG);
  const storeHostLength = hostLength(sysFlag, MessageSysFlag.STOREHOSTADDRESS_V6_FLAG);
  const storeTimestamp = RecordOffset.BORNHOST + bornHostLength;
  const storeHost = storeTimestamp + 8;
  const reconsumeTimes = storeHost + storeHostLength;
  const bodyLength = reconsumeTimes + 4 + 8;
  return {
    storeTimestamp,
    storeHost,
    storeHostLength,
    bornHostLength,
    reconsumeTimes,
    bodyLength,
    body: bodyLength + 4,
  };
}

/** Why a record failed validation, or undefined when it is sound. */
export type RecordCheck =
  { ok: true; size: number; blank: boolean } | { ok: false; reason: string };

/**
 * Validates the record at `pos` (magic code, lengths adding up, body CRC when asked). Used by
 * recovery to find the end of good data; it never throws on garbage.
 */
export function checkRecord(
  buf: Buffer,
  pos: number,
  available: number,
  verifyCrc: boolean,
): RecordCheck {
  if (available < 8) return { ok: false, reason: 'fewer than 8 bytes left' };
  const size = buf.readInt32BE(pos);
  const magic = buf.readInt32BE(pos + 4);
  if (magic === MagicCode.BLANK) {
    if (size < 8 || size > available)
      return { ok: false, reason: `blank record of bad size ${size}` };
    return { ok: true, size, blank: true };
  }
  if (magic !== MagicCode.MESSAGE_V1 && magic !== MagicCode.MESSAGE_V2) {
    return { ok: false, reason: `bad magic code ${magic}` };
  }
  if (size < 91 || size > available) return { ok: false, reason: `bad record size ${size}` };
  const sysFlag = buf.readInt32BE(pos + RecordOffset.SYSFLAG);
  const layout = recordLayout(sysFlag);
  if (layout.body > size) return { ok: false, reason: 'header longer than record' };
  const bodyLength = buf.readInt32BE(pos + layout.bodyLength);
  const topicAt = layout.body + bodyLength;
  if (bodyLength < 0 || topicAt + 3 > size)
    return { ok: false, reason: `bad body length ${bodyLength}` };
  const v2 = magic === MagicCode.MESSAGE_V2;
  const topicLength = v2 ? buf.readInt16BE(pos + topicAt) : buf.readUInt8(pos + topicAt);
  const propsAt = topicAt + (v2 ? 2 : 1) + topicLength;
  if (topicLength <= 0 || propsAt + 2 > size)
    return { ok: false, reason: `bad topic length ${topicLength}` };
  const propertiesLength = buf.readInt16BE(pos + propsAt);
  if (propertiesLength < 0 || propsAt + 2 + propertiesLength !== size) {
    return { ok: false, reason: `lengths do not add up to record size ${size}` };
  }
  if (verifyCrc) {
    const crc = buf.readInt32BE(pos + RecordOffset.BODYCRC);
    const body = buf.subarray(pos + layout.body, pos + layout.body + bodyLength);
    if (bodyCrc32(body) !== crc) return { ok: false, reason: 'body CRC mismatch' };
  }
  return { ok: true, size, blank: false };
}

/** Decodes a whole record (a copy-free view of the body unless `copyBody`). */
export function decodeRecord(buf: Buffer, pos = 0, copyBody = false): MessageExt {
  const storeSize = buf.readInt32BE(pos);
  const magicCode = buf.readInt32BE(pos + RecordOffset.MAGICCODE);
  const sysFlag = buf.readInt32BE(pos + RecordOffset.SYSFLAG);
  const layout = recordLayout(sysFlag);
  const bodyLength = buf.readInt32BE(pos + layout.bodyLength);
  const bodyStart = pos + layout.body;
  const bodyView = buf.subarray(bodyStart, bodyStart + bodyLength);
  let p = bodyStart + bodyLength;
  const v2 = magicCode === MagicCode.MESSAGE_V2;
  const topicLength = v2 ? buf.readInt16BE(p) : buf.readUInt8(p);
  p += v2 ? 2 : 1;
  const topic = buf.toString('utf8', p, p + topicLength);
  p += topicLength;
  const propertiesLength = buf.readInt16BE(p);
  p += 2;
  const properties = decodeProperties(buf.toString('utf8', p, p + propertiesLength));
  const bornHostAt = pos + RecordOffset.BORNHOST;
  const storeHostAt = pos + layout.storeHost;
  return {
    storeSize,
    magicCode,
    bodyCRC: buf.readInt32BE(pos + RecordOffset.BODYCRC),
    queueId: buf.readInt32BE(pos + RecordOffset.QUEUEID),
    flag: buf.readInt32BE(pos + RecordOffset.FLAG),
    queueOffset: readLong(buf, pos + RecordOffset.QUEUEOFFSET),
    commitLogOffset: readLong(buf, pos + RecordOffset.PHYSICALOFFSET),
    sysFlag,
    bornTimestamp: readLong(buf, pos + RecordOffset.BORNTIMESTAMP),
    bornHost: decodeSocketAddress(buf.subarray(bornHostAt, bornHostAt + layout.bornHostLength)),
    storeTimestamp: readLong(buf, pos + layout.storeTimestamp),
    storeHost: decodeSocketAddress(buf.subarray(storeHostAt, storeHostAt + layout.storeHostLength)),
    reconsumeTimes: buf.readInt32BE(pos + layout.reconsumeTimes),
    preparedTransactionOffset: readLong(buf, pos + layout.reconsumeTimes + 4),
    body: copyBody ? Buffer.from(bodyView) : bodyView,
    topic,
    properties,
  };
}

/** Writes the BLANK record that pads the end of a segment. */
export function encodeBlankRecord(target: Buffer, pos: number, size: number): void {
  target.writeInt32BE(size, pos);
  target.writeInt32BE(MagicCode.BLANK, pos + 4);
}
