import { test } from 'node:test';
import assert from 'node:assert/strict';
import rmq from 'rocketmq-client-nodejs';
import { startCluster, uniqueName } from '../helpers/start-cluster.ts';
import { quietLogger, startGrpc } from '../helpers/start-grpc.ts';

const { Producer, SimpleConsumer } = rmq;

test('rocketmq-client-nodejs: a Producer sends and a SimpleConsumer receives and acks every message', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcNormal');
  await cluster.createTopic(topic, 4);
  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => producer.shutdown());
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    consumerGroup: uniqueName('GID'),
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 1000,
    logger: quietLogger,
  });
  await consumer.startup();
  cluster.onStop(() => consumer.shutdown());
  const sent = new Map<string, string>();
  for (let i = 0; i < 20; i++) {
    const receipt = await producer.send({
      topic,
      tag: 'TagA',
      keys: [`k${i}`],
      body: Buffer.from(`g${i}`),
      properties: new Map([['p', String(i)]]),
    });
    sent.set(receipt.messageId, `g${i}`);
  }
  const got = new Map<string, string>();
  const deadline = Date.now() + 15000;
  while (got.size < 20 && Date.now() < deadline) {
    for (const m of await consumer.receive(16, 15000)) {
      assert.equal(m.tag, 'TagA');
      assert.equal(m.properties.get('p'), m.body.toString().slice(1));
      assert.equal(m.deliveryAttempt, 1);
      got.set(m.messageId, m.body.toString());
      await consumer.ack(m);
    }
  }
  assert.deepEqual(got, sent, 'every message once, ids as the producer made them');
  assert.deepEqual(
    await consumer.receive(16, 15000),
    [],
    'acknowledged messages do not come again',
  );
});
