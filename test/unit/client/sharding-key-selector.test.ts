import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardingKeySelector, type MessageQueue } from '../../../src/client/index.ts';
import { rocketmqHashIndex } from '../../helpers/rocketmq-hash.ts';

const queuesOf = (n: number): MessageQueue[] =>
  Array.from({ length: n }, (_v, queueId) => ({ topic: 'T', brokerName: 'broker-a', queueId }));

const pick = (queues: readonly MessageQueue[], shardingKey: string): number =>
  shardingKeySelector(queues, { topic: 'T', body: 'x', shardingKey }).queueId;

test('the independent rule reproduces known Java hash codes', () => {
  // "hello".hashCode() == 99162322; "polygenelubricants".hashCode() == Integer.MIN_VALUE.
  assert.equal(rocketmqHashIndex('hello', 1_000_000_000), 99162322);
  assert.equal(rocketmqHashIndex('polygenelubricants', 2 ** 31), 0);
  assert.equal(rocketmqHashIndex('polygenelubricants', 3), 2, 'MIN_VALUE % 3 == -2 in Java');
});

test('the sharding-key selector picks the queue that RocketMQ hashing of the key dictates', () => {
  const keys = [
    'order-7',
    'hello',
    'user:42',
    'Aa',
    'BB', // the same Java hash as "Aa"
    'polygenelubricants', // hash is Integer.MIN_VALUE
    'é',
    '\u{1F600}', // a surrogate pair: hashed as two UTF-16 units, not one code point
    ...Array.from({ length: 24 }, (_v, i) => `key-${i}`),
  ];
  for (const size of [1, 2, 3, 4, 7, 8, 16]) {
    const queues = queuesOf(size);
    for (const key of keys)
      assert.equal(pick(queues, key), rocketmqHashIndex(key, size), `key ${key} over ${size}`);
  }
  assert.equal(pick(queuesOf(4), 'hello'), 2, '99162322 % 4');
  assert.equal(pick(queuesOf(3), 'polygenelubricants'), 2);
  assert.equal(pick(queuesOf(8), 'Aa'), pick(queuesOf(8), 'BB'));
});

test('distinct sharding keys spread over the queues, each key always on the same one', () => {
  const queues = queuesOf(8);
  const keys = Array.from({ length: 32 }, (_v, i) => `order-${i}`);
  const used = new Set(keys.map((k) => pick(queues, k)));
  assert.ok(used.size >= 4, `32 keys used only queues ${[...used].join(',')}`);
  for (const key of keys) assert.equal(pick(queues, key), pick(queues, key));
});
