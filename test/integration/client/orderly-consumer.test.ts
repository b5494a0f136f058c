import { test } from 'node:test';
import { waitUntil } from '../../helpers/wait-for.ts';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createClient, type PushConsumer } from '../../../src/client/index.ts';
import { startCluster, uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';

function orderlyConsumer(t: TestContext, cluster: TestCluster, group: string): PushConsumer {
  const c = createClient({
    namesrvAddr: cluster.namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('ord'),
  });
  const consumer = c.createPushConsumer({
    consumerGroup: group,
    consumeOrderly: true,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    rebalanceInterval: 300,
    persistConsumerOffsetInterval: 100,
    suspendCurrentQueueTimeMillis: 50,
  });
  t.after(async () => {
    await consumer.shutdown();
    await c.shutdown();
  });
  return consumer;
}

test('orderly consumers keep per-key order through joins, leaves and restarts, one handler per queue at a time', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('Orderly');
  await cluster.createTopic(topic, 4);
  const group = uniqueName('GID');
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
  const busy = new Set<number>(); // queues with a handler running, across all members
  let overlaps = 0;
  const received = new Set<string>();
  const sessions: Map<string, number>[] = [];
  let violations = 0;
  const start = (): PushConsumer => {
    const lastSeq = new Map<string, number>();
    sessions.push(lastSeq);
    const consumer = orderlyConsumer(t, cluster, group);
    consumer.subscribe(topic, '*', async (m) => {
      if (busy.has(m.queueId)) overlaps++;
      busy.add(m.queueId);
      const [key = '', seqText = '0'] = m.body.toString().split(':');
      const seq = Number(seqText);
      if ((lastSeq.get(key) ?? -1) >= seq) violations++;
      lastSeq.set(key, seq);
      received.add(m.body.toString());
      await new Promise((r) => setTimeout(r, 1));
      busy.delete(m.queueId);
    });
    return consumer;
  };
  const producer = await started(
    t,
    sdkClient(t, cluster).createProducer({ producerGroup: uniqueName('PID') }),
  );
  let seq = 0;
  const sendRound = async (): Promise<void> => {
    for (let i = 0; i < 10; i++, seq++)
      for (const key of keys)
        await producer.send({ topic, body: `${key}:${seq}`, shardingKey: key });
  };
  const a = start();
  await a.start();
  await sendRound();
  const b = start();
  await b.start();
  await sendRound();
  await a.shutdown(); // a leaves: b takes its queues once a unlocked them
  await sendRound();
  const c = start(); // a restart under a new instance
  await c.start();
  await sendRound();
  const total = seq * keys.length;
  await waitUntil(() => received.size >= total, 20000, 'received.size >= total');
  assert.equal(received.size, total, `received ${received.size} of ${total}`);
  assert.equal(violations, 0, 'a key went backwards within one consumer session');
  assert.equal(overlaps, 0, 'two handlers ran on one queue at once');
});

test('an orderly consumer retries a failing message in place, blocking its queue, then dead-letters it', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('OrderlyRetry');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const producer = await started(
    t,
    sdkClient(t, cluster).createProducer({ producerGroup: uniqueName('PID') }),
  );
  for (const body of ['first', 'poison', 'after']) await producer.send({ topic, body });
  const order: string[] = [];
  const consumer = orderlyConsumer(t, cluster, group);
  let failures = 0;
  consumer.subscribe(topic, '*', (m) => {
    order.push(m.body.toString());
    if (m.body.toString() === 'poison') {
      failures++;
      throw new Error('cannot process');
    }
  });
  await consumer.start();
  await waitUntil(() => order.includes('after'), 20000, "order.includes('after')");
  assert.equal(order[0], 'first');
  assert.equal(order.at(-1), 'after', '"after" waits until "poison" is settled');
  assert.equal(failures, 17, 'the first attempt and 16 local retries');
  const dlq = cluster.broker.store.getMaxOffsetInQueue(`%DLQ%${group}`, 0);
  assert.equal(dlq, 1);
});
