import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allocateAveragely,
  allocateByCircle,
  allocateConsistentHash,
  type MessageQueue,
} from '../../../src/client/index.ts';

const queues: MessageQueue[] = Array.from({ length: 8 }, (_v, i) => ({
  topic: 'T',
  brokerName: i < 4 ? 'a' : 'b',
  queueId: i % 4,
}));
const ids = (n: number): string[] => Array.from({ length: n }, (_v, i) => `10.0.0.${i}@${100 + i}`);
const key = (q: MessageQueue): string => `${q.brokerName}-${q.queueId}`;

for (const [name, strategy] of [
  ['averagely', allocateAveragely],
  ['by circle', allocateByCircle],
  ['consistent hash', allocateConsistentHash()],
] as const) {
  test(`allocation ${name} gives every queue to exactly one client, for 1 to 10 clients`, () => {
    for (let n = 1; n <= 10; n++) {
      const clients = ids(n);
      const all = clients.flatMap((me) => strategy(queues, clients, me).map(key));
      assert.equal(all.length, 8, `${n} clients`);
      assert.equal(new Set(all).size, 8, `${n} clients`);
    }
    assert.deepEqual(strategy(queues, ids(2), 'stranger@1'), []);
  });
}

test('averagely allocation matches RocketMQ: contiguous blocks, the first clients one more', () => {
  const clients = ids(3);
  assert.deepEqual(allocateAveragely(queues, clients, clients[0] ?? '').map(key), [
    'a-0',
    'a-1',
    'a-2',
  ]);
  assert.deepEqual(allocateAveragely(queues, clients, clients[2] ?? '').map(key), ['b-2', 'b-3']);
  assert.deepEqual(allocateByCircle(queues, clients, clients[1] ?? '').map(key), [
    'a-1',
    'b-0',
    'b-3',
  ]);
});

test('consistent-hash allocation moves few queues when a client joins', () => {
  const strategy = allocateConsistentHash(50);
  const many: MessageQueue[] = Array.from({ length: 64 }, (_v, i) => ({
    topic: 'T',
    brokerName: 'a',
    queueId: i,
  }));
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  for (const me of ids(4)) for (const q of strategy(many, ids(4), me)) before.set(key(q), me);
  for (const me of ids(5)) for (const q of strategy(many, ids(5), me)) after.set(key(q), me);
  const moved = [...before].filter(([k, owner]) => after.get(k) !== owner).length;
  assert.ok(moved < 32, `${moved} of 64 queues moved`);
});
