import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeProperties,
  encodeProperties,
  findProperty,
} from '../../../../src/common/message/message-properties.ts';
import { javaStringHash } from '../../../../src/common/message/java-hash.ts';
import {
  createOffsetMessageId,
  decodeOffsetMessageId,
} from '../../../../src/common/message/message-id.ts';
import { encodeSocketAddress } from '../../../../src/common/message/socket-address.ts';

test('encodes properties with RocketMQ separators and a trailing pair separator', () => {
  assert.equal(
    encodeProperties({ TAGS: 'a', KEYS: 'k1 k2' }),
    'TAGS\u0001a\u0002KEYS\u0001k1 k2\u0002',
  );
});

test('decodes properties with or without the trailing separator and finds one without decoding all', () => {
  const text = 'TAGS\u0001a\u0002KEYS\u0001k1 k2';
  assert.deepEqual(
    [...decodeProperties(text)],
    [
      ['TAGS', 'a'],
      ['KEYS', 'k1 k2'],
    ],
  );
  assert.equal(findProperty(text, 'KEYS'), 'k1 k2');
  assert.equal(findProperty(text, 'TAG'), undefined);
  assert.equal(findProperty('', 'TAGS'), undefined);
});

test('hashes strings exactly as Java String.hashCode does', () => {
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('TagA'), 2598919);
  assert.equal(javaStringHash('hello world'), 1794106052);
  assert.equal(javaStringHash('polygenelubricants'), -2147483648);
});

test('builds and parses 32-character offset message ids', () => {
  const id = createOffsetMessageId(encodeSocketAddress('192.168.0.1', 10911), 0x1234567890);
  assert.equal(id, 'C0A8000100002A9F0000001234567890');
  assert.deepEqual(decodeOffsetMessageId(id), {
    host: '192.168.0.1',
    port: 10911,
    commitLogOffset: 0x1234567890,
  });
  assert.throws(() => decodeOffsetMessageId('nothex'), /expected 32 or 56 hex characters/);
});
