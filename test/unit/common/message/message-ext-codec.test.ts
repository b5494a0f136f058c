import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRecord,
  decodeRecord,
  encodeRecord,
  measureRecord,
} from '../../../../src/common/message/message-ext-codec.ts';
import type { MessageExtBrokerInner } from '../../../../src/common/message/message-ext.ts';
import { encodeSocketAddress } from '../../../../src/common/message/socket-address.ts';
import { MessageSysFlag } from '../../../../src/common/constants/message-sys-flag.ts';
import { MagicCode } from '../../../../src/common/constants/magic-code.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');

function message(overrides: Partial<MessageExtBrokerInner> = {}): MessageExtBrokerInner {
  return {
    topic: 'T1',
    queueId: 1,
    flag: 0,
    body: Buffer.from('abc'),
    propertiesString: 'TAGS\u0001a\u0002',
    tagsCode: 0,
    sysFlag: 0,
    bornTimestamp: 1700000000000,
    bornHost: encodeSocketAddress('127.0.0.1', 50000),
    storeHost: encodeSocketAddress('127.0.0.1', 10911),
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    ...overrides,
  };
}

function encode(
  msg: MessageExtBrokerInner,
  queueOffset = 5,
  physicalOffset = 1000,
  storeTimestamp = 1700000000123,
): Buffer {
  const lengths = measureRecord(msg);
  const out = Buffer.alloc(lengths.total);
  const n = encodeRecord(out, 0, msg, lengths, queueOffset, physicalOffset, storeTimestamp);
  assert.equal(n, lengths.total);
  return out;
}

// Field by field from RocketMQ's MessageExt layout (protocol/remoting.md section 7).
const GOLDEN_IPV4 = hex(`
  00000067 | DAA320A7 | 352441C2 | 00000001 | 00000000 | 0000000000000005 | 00000000000003E8
  00000000 | 0000018BCFE56800 | 7F000001 0000C350 | 0000018BCFE5687B | 7F000001 00002A9F
  00000000 | 0000000000000000 | 00000003 616263 | 02 5431 | 0007 54414753 01 61 02`);

test('encodes an IPv4 record with properties byte for byte as RocketMQ lays it out', () => {
  assert.deepEqual(encode(message()), GOLDEN_IPV4);
});

test('encodes IPv6 born and store hosts with 20-byte addresses and the V6 sysflag bits', () => {
  const msg = message({
    bornHost: encodeSocketAddress('::1', 50000),
    storeHost: encodeSocketAddress('fe80::2', 10911),
    propertiesString: '',
    body: Buffer.alloc(0),
  });
  const golden = hex(`
    00000075 | DAA320A7 | 00000000 | 00000001 | 00000000 | 0000000000000005 | 00000000000003E8
    00000030 | 0000018BCFE56800 | 00000000000000000000000000000001 0000C350 | 0000018BCFE5687B
    FE800000000000000000000000000002 00002A9F | 00000000 | 0000000000000000 | 00000000 | 02 5431 | 0000`);
  const record = encode(msg);
  assert.deepEqual(record, golden);
  const decoded = decodeRecord(record);
  assert.equal(
    decoded.sysFlag,
    MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG,
  );
  assert.deepEqual(decoded.bornHost, { host: '0:0:0:0:0:0:0:1', port: 50000 });
  assert.deepEqual(decoded.storeHost, { host: 'fe80:0:0:0:0:0:0:2', port: 10911 });
  assert.equal(decoded.storeTimestamp, 1700000000123);
});

test('stores an IPv4-mapped IPv6 peer as a plain IPv4 host so every client can parse it', () => {
  assert.deepEqual(encodeSocketAddress('::ffff:10.1.2.3', 80), hex('0A010203 00000050'));
});

test('round-trips every field, without properties and with an empty body', () => {
  const msg = message({
    propertiesString: '',
    body: Buffer.alloc(0),
    flag: 7,
    reconsumeTimes: 3,
    preparedTransactionOffset: 123456789012,
  });
  const decoded = decodeRecord(encode(msg, 2 ** 40, 2 ** 45 + 17));
  assert.equal(decoded.storeSize, 91 + 0 + 2 + 0);
  assert.equal(decoded.magicCode, MagicCode.MESSAGE_V1);
  assert.equal(decoded.queueOffset, 2 ** 40);
  assert.equal(decoded.commitLogOffset, 2 ** 45 + 17);
  assert.equal(decoded.flag, 7);
  assert.equal(decoded.reconsumeTimes, 3);
  assert.equal(decoded.preparedTransactionOffset, 123456789012);
  assert.equal(decoded.body.length, 0);
  assert.equal(decoded.properties.size, 0);
  assert.equal(decoded.topic, 'T1');
});

test('round-trips a maximum-size 4 MiB body and a multi-byte UTF-8 topic and properties', () => {
  const body = Buffer.alloc(4 * 1024 * 1024, 0xab);
  const msg = message({
    body,
    topic: 'Tópico',
    propertiesString: 'KEYS\u0001ключ zwei\u0002TAGS\u0001标签\u0002',
  });
  const record = encode(msg);
  const decoded = decodeRecord(record);
  assert.equal(decoded.body.length, body.length);
  assert.ok(decoded.body.equals(body));
  assert.equal(decoded.topic, 'Tópico');
  assert.equal(decoded.properties.get('KEYS'), 'ключ zwei');
  assert.equal(decoded.properties.get('TAGS'), '标签');
  assert.deepEqual(checkRecord(record, 0, record.length, true), {
    ok: true,
    size: record.length,
    blank: false,
  });
});

test('uses the V2 magic and a two-byte topic length for topics longer than 127 bytes', () => {
  const topic = 'x'.repeat(200);
  const record = encode(message({ topic }));
  assert.equal(record.readInt32BE(4), MagicCode.MESSAGE_V2);
  assert.equal(decodeRecord(record).topic, topic);
  assert.equal(checkRecord(record, 0, record.length, true).ok, true);
});

test('rejects a record whose body CRC does not match, or whose lengths do not add up', () => {
  const record = encode(message());
  const flipped = Buffer.from(record);
  flipped[88] = 0x7a; // first body byte
  assert.deepEqual(checkRecord(flipped, 0, flipped.length, true), {
    ok: false,
    reason: 'body CRC mismatch',
  });
  const short = Buffer.from(record);
  short.writeInt32BE(record.length + 1, 0);
  assert.equal(checkRecord(short, 0, short.length + 1, false).ok, false);
  assert.equal(checkRecord(Buffer.alloc(200), 0, 200, true).ok, false);
});
