import { test } from 'node:test';
import { waitUntil } from '../../helpers/wait-for.ts';
import assert from 'node:assert/strict';
import { type LitePullConsumer, type MessageView } from '../../../src/client/index.ts';
import { sdkClient } from '../../helpers/sdk.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';

const client = sdkClient;

async function pollUntil(
  consumer: LitePullConsumer,
  count: number,
  timeoutMs: number,
  into: MessageView[] = [],
): Promise<MessageView[]> {
  const deadline = Date.now() + timeoutMs;
  while (into.length < count) {
    if (Date.now() > deadline)
      throw new Error(`polled ${into.length} of ${count} messages in ${timeoutMs} ms`);
    into.push(...(await consumer.poll(200)));
  }
  return into;
}

test('a lite pull consumer polls assigned queues, seeks, commits, and iterates with for await', async (t) => {
  const cluster = await startCluster(t);
  const c = client(t, cluster);
  const topic = uniqueName('Lite');
  await cluster.createTopic(topic, 2);
  const producer = c.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  t.after(() => producer.shutdown());
  for (let i = 0; i < 20; i++) await producer.send({ topic, body: `m${i}` });
  const group = uniqueName('GID');
  const consumer = c.createLitePullConsumer({
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    autoCommit: false,
  });
  await consumer.start();
  t.after(() => consumer.shutdown());
  const queues = [0, 1].map((queueId) => ({ topic, brokerName: 'broker-a', queueId }));
  await consumer.assign(queues);
  const all = await pollUntil(consumer, 20, 10000);
  assert.deepEqual(
    all.map((m) => m.body.toString()).sort(),
    Array.from({ length: 20 }, (_v, i) => `m${i}`).sort(),
  );
  await consumer.commit();
  const offsets = cluster.broker.internals.offsets;
  assert.equal(offsets.query(group, topic, 0) + offsets.query(group, topic, 1), 20);
  // Seek back on queue 0 and read it again.
  const q0 = queues[0] ?? { topic, brokerName: 'broker-a', queueId: 0 };
  consumer.seek(q0, 0);
  const again = await pollUntil(consumer, offsets.query(group, topic, 0), 10000);
  assert.ok(again.every((m) => m.queueId === 0));
  // for await yields new messages as they arrive.
  await producer.send({ topic, body: 'iterated', shardingKey: 'x' });
  for await (const m of consumer) {
    if (m.body.toString() === 'iterated') break;
  }
});

test("lite pull subscribers share a group's queues and take over the queues of one that leaves", async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('LiteGroup');
  await cluster.createTopic(topic, 8);
  const group = uniqueName('GID');
  const make = async (): Promise<LitePullConsumer> => {
    const consumer = client(t, cluster).createLitePullConsumer({
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      rebalanceInterval: 300,
      autoCommitIntervalMillis: 200,
    });
    await consumer.start();
    t.after(() => consumer.shutdown());
    await consumer.subscribe(topic);
    return consumer;
  };
  const a = await make();
  const b = await make();
  await waitUntil(
    () => a.assignment().length === 4 && b.assignment().length === 4,
    10000,
    'each consumer owns 4 queues',
  );
  assert.equal(a.assignment().length, 4);
  assert.equal(b.assignment().length, 4);
  const aQueues = new Set(a.assignment().map((q) => q.queueId));
  assert.ok(
    b.assignment().every((q) => !aQueues.has(q.queueId)),
    'no queue has two owners',
  );
  const producer = client(t, cluster).createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  t.after(() => producer.shutdown());
  for (let i = 0; i < 40; i++) await producer.send({ topic, body: `g${i}` });
  const fromA = await pollUntil(a, 1, 10000);
  const fromB: MessageView[] = [];
  while (fromA.length + fromB.length < 40) {
    fromA.push(...(await a.poll(100)));
    fromB.push(...(await b.poll(100)));
  }
  assert.ok(
    fromA.every((m) => aQueues.has(m.queueId)) && fromB.every((m) => !aQueues.has(m.queueId)),
  );
  // b leaves (committing what it consumed); a takes over all 8 queues from the committed offsets.
  await b.shutdown();
  await waitUntil(() => a.assignment().length === 8, 10000, 'a.assignment().length === 8');
  assert.equal(a.assignment().length, 8);
  for (let i = 40; i < 48; i++) await producer.send({ topic, body: `g${i}` });
  const rest = await pollUntil(a, 8, 10000);
  assert.deepEqual(
    new Set(rest.map((m) => m.body.toString())),
    new Set(Array.from({ length: 8 }, (_v, i) => `g${40 + i}`)),
    'only the new messages: b committed its offsets',
  );
});

test('a lite pull consumer that is not polled buffers no more than its per-queue threshold', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('LiteFlow');
  await cluster.createTopic(topic, 1);
  const c = client(t, cluster);
  const producer = c.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  t.after(() => producer.shutdown());
  await producer.sendBatch(Array.from({ length: 200 }, (_v, i) => ({ topic, body: `f${i}` })));
  const consumer = c.createLitePullConsumer({
    consumerGroup: uniqueName('GID'),
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pullThresholdForQueue: 20,
    pullBatchSize: 10,
  });
  await consumer.start();
  t.after(() => consumer.shutdown());
  await consumer.assign([{ topic, brokerName: 'broker-a', queueId: 0 }]);
  // Pulling pauses once the queue holds its threshold; unbounded pulling would instead take all
  // 200 and then wait at the broker, never pausing.
  await waitUntil(
    () => consumer.queueStats()[0]?.flowControlled === true,
    5000,
    'the queue pauses its pulling for flow control',
  );
  assert.equal(consumer.queueStats()[0]?.cachedMessages, 20);
  const first = await consumer.poll(0);
  const second = await consumer.poll(0);
  const third = await consumer.poll(0);
  assert.equal(
    first.length + second.length + third.length,
    20,
    'exactly the threshold was buffered',
  );
});
