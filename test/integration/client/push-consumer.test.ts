import { test } from 'node:test';
import { waitUntil } from '../../helpers/wait-for.ts';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type MessageView,
  type PushConsumer,
  type PushConsumerOptions,
} from '../../../src/client/index.ts';
import { sdkClient } from '../../helpers/sdk.ts';
import { startCluster, uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { latch } from '../../helpers/latch.ts';
import { MQBrokerError } from '../../../src/client/index.ts';

const client = sdkClient;

async function produce(
  t: TestContext,
  cluster: TestCluster,
  topic: string,
  count: number,
  prefix = 'm',
): Promise<void> {
  const producer = client(t, cluster).createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  for (let i = 0; i < count; i++) await producer.send({ topic, body: `${prefix}${i}`, tags: 'T' });
  await producer.shutdown();
}

function pushConsumer(
  t: TestContext,
  cluster: TestCluster,
  options: Partial<PushConsumerOptions> & { consumerGroup: string },
): PushConsumer {
  const consumer = client(t, cluster).createPushConsumer({
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    persistConsumerOffsetInterval: 200,
    rebalanceInterval: 500,
    ...options,
  });
  t.after(() => consumer.shutdown());
  return consumer;
}

test('a push consumer gets every message, and a failed one comes back through the retry topic', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('Push');
  await cluster.createTopic(topic, 4);
  await produce(t, cluster, topic, 30);
  const seen = new Set<string>();
  const done = latch(30, 20000, 'all messages handled');
  let retried: MessageView | undefined;
  const consumer = pushConsumer(t, cluster, { consumerGroup: uniqueName('GID') });
  consumer.subscribe(topic, '*', (m) => {
    const body = m.body.toString();
    if (body === 'm7' && m.reconsumeTimes === 0) throw new Error('first attempt fails');
    if (body === 'm7') retried = m;
    if (!seen.has(body)) {
      seen.add(body);
      done.countDown();
    }
  });
  await consumer.start();
  await done.done;
  assert.equal(seen.size, 30);
  assert.equal(retried?.reconsumeTimes, 1);
  assert.equal(
    retried?.topic,
    topic,
    "the retry message is handed to the original topic's handler",
  );
});

test('a message that keeps failing goes to the dead-letter queue after maxReconsumeTimes', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('PushDlq');
  await cluster.createTopic(topic, 1);
  await produce(t, cluster, topic, 1, 'poison');
  const group = uniqueName('GID');
  const attempts = latch(3, 20000, 'three deliveries');
  const consumer = pushConsumer(t, cluster, { consumerGroup: group, maxReconsumeTimes: 2 });
  consumer.subscribe(topic, '*', () => {
    attempts.countDown();
    return 'RECONSUME_LATER';
  });
  await consumer.start();
  await attempts.done;
  const store = cluster.broker.store;
  await waitUntil(
    () => store.getMaxOffsetInQueue(`%DLQ%${group}`, 0) !== 0,
    5000,
    'store.getMaxOffsetInQueue(`%DLQ%${group}`, 0) !== 0',
  );
  assert.equal(store.getMaxOffsetInQueue(`%DLQ%${group}`, 0), 1);
});

test('a push consumer commits only up to its lowest unfinished message', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('PushCommit');
  await cluster.createTopic(topic, 1);
  await produce(t, cluster, topic, 10);
  const group = uniqueName('GID');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  t.after(() => release()); // before the consumer's shutdown, which waits for running handlers
  const others = latch(9, 20000, 'the nine other messages');
  const consumer = pushConsumer(t, cluster, { consumerGroup: group });
  consumer.subscribe(topic, '*', async (m) => {
    if (m.queueOffset === 3) await gate;
    else others.countDown();
  });
  await consumer.start();
  await others.done;
  const offsets = cluster.broker.internals.offsets;
  await waitUntil(
    () => offsets.query(group, topic, 0) >= 3,
    5000,
    'offsets.query(group, topic, 0) >= 3',
  );
  assert.equal(
    offsets.query(group, topic, 0),
    3,
    'offset 3 is still running, so nothing past it is committed',
  );
  release();
  await waitUntil(
    () => offsets.query(group, topic, 0) >= 10,
    5000,
    'offsets.query(group, topic, 0) >= 10',
  );
  assert.equal(offsets.query(group, topic, 0), 10);
});

test('broadcasting push consumers each get every message and keep offsets in a local file', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('PushBcast');
  await cluster.createTopic(topic, 2);
  const group = uniqueName('GID');
  const dir = mkdtempSync(join(tmpdir(), 'rmq-offsets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const counts = [new Set<string>(), new Set<string>()];
  const all = latch(20, 20000, 'both instances get all ten');
  for (const i of [0, 1]) {
    const consumer = pushConsumer(t, cluster, {
      consumerGroup: group,
      messageModel: 'BROADCASTING',
      offsetStorePath: join(dir, `${i}.json`),
    });
    consumer.subscribe(topic, '*', (m) => {
      const set = counts[i];
      if (set && !set.has(m.body.toString())) {
        set.add(m.body.toString());
        all.countDown();
      }
    });
    await consumer.start();
  }
  await produce(t, cluster, topic, 10);
  await all.done;
  assert.equal(counts[0]?.size, 10);
  assert.equal(counts[1]?.size, 10);
  await waitUntil(() => existsSync(join(dir, '0.json')), 3000, 'the offsets file is written');
  assert.ok(existsSync(join(dir, '0.json')), 'offsets persisted locally');
});

test('as 1 to 6 consumers join and leave over 8 queues, each queue settles on exactly one owner and nothing is lost', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('PushRebalance');
  await cluster.createTopic(topic, 8);
  const group = uniqueName('GID');
  const received = new Set<string>();
  const members: PushConsumer[] = [];
  const producer = client(t, cluster).createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  t.after(() => producer.shutdown());
  let sent = 0;
  const sendSome = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await producer.send({ topic, body: `r${sent++}` });
  };
  const mine = (m: PushConsumer): number[] =>
    m
      .assignment()
      .filter((q) => q.topic === topic)
      .map((q) => q.queueId);
  const settled = (): Promise<void> =>
    waitUntil(
      () => {
        const owned = members.flatMap(mine);
        return (
          owned.length === 8 &&
          new Set(owned).size === 8 &&
          members.every((m) => mine(m).length > 0)
        );
      },
      15000,
      `the 8 queues are split among ${members.length} consumers, each owning some`,
    );
  for (let n = 1; n <= 6; n++) {
    const consumer = pushConsumer(t, cluster, { consumerGroup: group, rebalanceInterval: 300 });
    consumer.subscribe(topic, '*', (m) => {
      received.add(m.body.toString());
    });
    await consumer.start();
    members.push(consumer);
    await settled();
    await sendSome(10);
  }
  while (members.length > 1) {
    await members.pop()?.shutdown();
    await settled();
    await sendSome(10);
  }
  await waitUntil(() => received.size >= sent, 15000, 'received.size >= sent');
  assert.equal(received.size, sent, `received ${received.size} of ${sent}`);
});

test('a slow handler does not make a push consumer hold more than its per-queue thresholds', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('PushFlow');
  await cluster.createTopic(topic, 1);
  const producer = client(t, cluster).createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  t.after(() => producer.shutdown());
  const body = Buffer.alloc(8 * 1024, 'x');
  for (let i = 0; i < 10; i++)
    await producer.sendBatch(Array.from({ length: 40 }, () => ({ topic, body })));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  t.after(() => release()); // before the consumer's shutdown, which waits for running handlers
  const consumer = pushConsumer(t, cluster, {
    consumerGroup: uniqueName('GID'),
    pullThresholdForQueue: 50,
    pullBatchSize: 16,
    consumeThreadMax: 4,
  });
  consumer.subscribe(topic, '*', () => gate);
  await consumer.start();
  const statsOf = (): ReturnType<PushConsumer['queueStats']>[number] | undefined =>
    consumer.queueStats().find((s) => s.queue.topic === topic);
  // The handlers never finish, so once pulling pauses it stays paused and what is held is final;
  // unbounded pulling would take all 400 and then wait at the broker, never pausing.
  await waitUntil(
    () => statsOf()?.flowControlled === true,
    5000,
    'the queue pauses its pulling for flow control',
  );
  const stats = statsOf();
  assert.ok(
    stats && stats.cachedMessages >= 50 && stats.cachedMessages < 50 + 16,
    `held ${stats?.cachedMessages} messages`,
  );
  assert.ok(stats.cachedBytes <= (50 + 16) * 8 * 1024, `held ${stats.cachedBytes} bytes`);
  release();
});

test('a SQL92 subscription receives only messages whose properties match; a bad expression is refused with its parse error', async (t) => {
  const cluster = await startCluster(t, { enablePropertyFilter: true });
  const topic = uniqueName('PushSql');
  await cluster.createTopic(topic, 2);
  const c = client(t, cluster);
  const producer = c.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  t.after(() => producer.shutdown());
  for (let i = 0; i < 20; i++) {
    await producer.send({
      topic,
      body: `s${i}`,
      tags: i % 2 ? 'odd' : 'even',
      properties: { amount: String(i * 10), region: i < 10 ? 'eu-west' : 'us-east' },
    });
  }
  const got: string[] = [];
  const expected = ['s12', 's14', 's16', 's18'];
  const all = latch(expected.length, 20000, 'SQL92 matches');
  const consumer = pushConsumer(t, cluster, { consumerGroup: uniqueName('GID') });
  consumer.subscribe(
    topic,
    { type: 'SQL92', expression: "amount > 100 AND region STARTSWITH 'us' AND TAGS = 'even'" },
    (m) => {
      got.push(m.body.toString());
      all.countDown();
    },
  );
  await consumer.start();
  await all.done;
  // One more that matches proves everything in between was examined and skipped.
  await producer.send({
    topic,
    body: 'marker',
    tags: 'even',
    properties: { amount: '1000', region: 'us' },
  });
  await waitUntil(() => got.includes('marker'), 20000, 'the SQL92 marker arrives');
  assert.deepEqual(got.sort(), [...expected, 'marker'].sort());
  const bad = c.createPushConsumer({
    consumerGroup: uniqueName('GID'),
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  bad.subscribe(topic, { type: 'SQL92', expression: 'amount >' }, () => undefined);
  await assert.rejects(
    bad.start(),
    (e: unknown) =>
      e instanceof MQBrokerError &&
      e.responseCode === 23 &&
      /SQL92 expression "amount >".*ends too early/.test(e.remark),
  );
});
