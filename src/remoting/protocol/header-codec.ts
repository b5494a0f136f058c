import { LANGUAGE_CODES, type RemotingCommand, type SerializeType } from './remoting-command.ts';

/** A header that cannot be decoded; the connection that sent it is closed. */
export class HeaderDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderDecodeError';
  }
}

/**
 * JSON header text as Java writes it (fields in Java's order; extFields values are strings). Built
 * as text directly: only the free-form strings go through JSON.stringify.
 */
export function jsonHeaderText(cmd: RemotingCommand): string {
  let text = `{"code":${cmd.code},"language":${JSON.stringify(cmd.language)},"version":${cmd.version},"opaque":${cmd.opaque},"flag":${cmd.flag}`;
  if (cmd.remark !== undefined) text += `,"remark":${JSON.stringify(cmd.remark)}`;
  if (cmd.extFields !== undefined) text += `,"extFields":${JSON.stringify(cmd.extFields)}`;
  return `${text},"serializeTypeCurrentRPC":"JSON"}`;
}

/** Decodes a JSON header; extFields scalars (numbers, booleans from some clients) become strings. */
export function decodeJsonHeader(
  buf: Buffer,
  body?: Buffer,
  serializeType: SerializeType = 0,
): RemotingCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new HeaderDecodeError(`Cannot decode JSON header: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw new HeaderDecodeError('Cannot decode JSON header: not an object');
  const h = parsed as Record<string, unknown>;
  if (typeof h.code !== 'number')
    throw new HeaderDecodeError('Cannot decode JSON header: "code" is missing');
  let extFields: Record<string, string> | undefined;
  if (typeof h.extFields === 'object' && h.extFields !== null) {
    const raw = h.extFields as Record<string, unknown>;
    // Java clients send strings only: keep the parsed object then. Others (ali-ons) send numbers
    // and booleans: convert those to their text.
    let allStrings = true;
    for (const k in raw) {
      if (typeof raw[k] !== 'string') {
        allStrings = false;
        break;
      }
    }
    if (allStrings) extFields = raw as Record<string, string>;
    else {
      extFields = {};
      for (const [k, v] of Object.entries(raw)) {
        if (v === null || v === undefined) continue;
        extFields[k] =
          typeof v === 'string'
            ? v
            : typeof v === 'number' || typeof v === 'boolean'
              ? String(v)
              : JSON.stringify(v);
      }
    }
  }
  return {
    code: h.code,
    language: typeof h.language === 'string' ? h.language : 'JAVA',
    version: typeof h.version === 'number' ? h.version : 0,
    opaque: typeof h.opaque === 'number' ? h.opaque : 0,
    flag: typeof h.flag === 'number' ? h.flag : 0,
    remark: typeof h.remark === 'string' ? h.remark : undefined,
    extFields,
    body,
    serializeType,
  };
}

/**
 * ROCKETMQ binary header: int16 code, int8 language, int16 version, int32 opaque, int32 flag,
 * int32 remark length + UTF-8 remark, int32 ext length + {int16 key length, key, int32 value
 * length, value}*.
 */
export function encodeRocketMQHeader(cmd: RemotingCommand): Buffer {
  const remark = cmd.remark === undefined ? undefined : Buffer.from(cmd.remark, 'utf8');
  const ext: Buffer[] = [];
  let extLength = 0;
  for (const [k, v] of Object.entries(cmd.extFields ?? {})) {
    const kb = Buffer.from(k, 'utf8');
    const vb = Buffer.from(v, 'utf8');
    const entry = Buffer.allocUnsafe(2 + kb.length + 4 + vb.length);
    entry.writeInt16BE(kb.length, 0);
    kb.copy(entry, 2);
    entry.writeInt32BE(vb.length, 2 + kb.length);
    vb.copy(entry, 6 + kb.length);
    ext.push(entry);
    extLength += entry.length;
  }
  const out = Buffer.allocUnsafe(2 + 1 + 2 + 4 + 4 + 4 + (remark?.length ?? 0) + 4 + extLength);
  let p = out.writeInt16BE(cmd.code, 0);
  const lang = LANGUAGE_CODES.indexOf(cmd.language as (typeof LANGUAGE_CODES)[number]);
  p = out.writeInt8(lang < 0 ? 0 : lang, p);
  p = out.writeInt16BE(cmd.version, p);
  p = out.writeInt32BE(cmd.opaque, p);
  p = out.writeInt32BE(cmd.flag, p);
  p = out.writeInt32BE(remark?.length ?? 0, p);
  if (remark) p += remark.copy(out, p);
  p = out.writeInt32BE(extLength, p);
  for (const e of ext) p += e.copy(out, p);
  return out;
}

export function decodeRocketMQHeader(
  buf: Buffer,
  body?: Buffer,
  serializeType: SerializeType = 1,
): RemotingCommand {
  const need = (p: number, n: number): void => {
    if (p + n > buf.length)
      throw new HeaderDecodeError(`Cannot decode ROCKETMQ header: truncated at byte ${p}`);
  };
  need(0, 17);
  const code = buf.readInt16BE(0);
  const language = LANGUAGE_CODES[buf.readInt8(2)] ?? 'OTHER';
  const version = buf.readInt16BE(3);
  const opaque = buf.readInt32BE(5);
  const flag = buf.readInt32BE(9);
  const remarkLength = buf.readInt32BE(13);
  let p = 17;
  need(p, remarkLength);
  const remark = remarkLength > 0 ? buf.toString('utf8', p, p + remarkLength) : undefined;
  p += Math.max(0, remarkLength);
  need(p, 4);
  const extLength = buf.readInt32BE(p);
  p += 4;
  need(p, extLength);
  const end = p + extLength;
  let extFields: Record<string, string> | undefined;
  if (extLength > 0) {
    extFields = {};
    while (p < end) {
      need(p, 2);
      const kl = buf.readInt16BE(p);
      p += 2;
      need(p, kl + 4);
      const k = buf.toString('utf8', p, p + kl);
      p += kl;
      const vl = buf.readInt32BE(p);
      p += 4;
      need(p, vl);
      extFields[k] = buf.toString('utf8', p, p + vl);
      p += vl;
    }
  }
  return { code, language, version, opaque, flag, remark, extFields, body, serializeType };
}

/** Decodes a header into the command it starts, with `body` attached (one object per frame). */
export function decodeHeader(buf: Buffer, type: SerializeType, body?: Buffer): RemotingCommand {
  return type === 1 ? decodeRocketMQHeader(buf, body, type) : decodeJsonHeader(buf, body, type);
}
