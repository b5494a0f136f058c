import { test, type TestContext } from 'node:test';
import { waitUntil } from '../../helpers/wait-for.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { MQClientError, type MessageQueue } from '../../../src/client/index.ts';
import { BrokerController } from '../../../src/broker/broker-controller.ts';
import { resolveBrokerConfigs } from '../../../src/broker/broker-config.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { startCluster, uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { rocketmqHashIndex } from '../../helpers/rocketmq-hash.ts';

const client = sdkClient;

test('the SDK producer sends and the pull consumer reads back body, tags, keys, properties and ids', async (t) => {
  const cluster = await startCluster(t);
  const c = client(t, cluster);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const consumer = await started(t, c.createPullConsumer({ consumerGroup: uniqueName('GID') }));
  const topic = uniqueName('SdkTopic'); // new: created through TBW102 on first send
  const result = await producer.send({
    topic,
    body: 'hello sdk',
    tags: 'TagA',
    keys: ['k1', 'k2'],
    properties: { color: 'red' },
  });
  assert.equal(result.sendStatus, 'SEND_OK');
  assert.match(result.msgId, /^[0-9A-F]{32}$/);
  assert.match(result.offsetMsgId, /^7F000001[0-9A-F]{24}$/);
  const queue: MessageQueue = result.messageQueue;
  const pulled = await consumer.pull(queue, '*', result.queueOffset, 32);
  assert.equal(pulled.pullStatus, 'FOUND');
  const m = pulled.messages[0];
  assert.ok(m);
  assert.equal(m.body.toString(), 'hello sdk');
  assert.equal(m.tags, 'TagA');
  assert.deepEqual(m.keys, ['k1', 'k2']);
  assert.equal(m.properties.get('color'), 'red');
  assert.equal(m.msgId, result.msgId);
  assert.equal(m.offsetMsgId, result.offsetMsgId);
  assert.equal((await consumer.fetchSubscribeMessageQueues(topic)).length, 4);
});

test('the SDK compresses large bodies, keeps a sharding key on one queue and sends batches and one-way messages', async (t) => {
  const cluster = await startCluster(t);
  const c = client(t, cluster);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const consumer = await started(t, c.createPullConsumer({ consumerGroup: uniqueName('GID') }));
  const topic = uniqueName('SdkMore');
  await cluster.createTopic(topic, 4);
  const big = Buffer.alloc(64 * 1024, 'abcdefgh');
  const r = await producer.send({ topic, body: big });
  const pulled = await consumer.pull(r.messageQueue, '*', r.queueOffset, 1);
  assert.ok(pulled.messages[0]?.body.equals(big), 'the compressed body comes back whole');
  const record = cluster.broker.store.getMessage({
    topic,
    queueId: r.messageQueue.queueId,
    offset: r.queueOffset,
    maxMsgNums: 1,
  }).messages[0];
  assert.ok(record && record.length < 8 * 1024, `stored compressed: ${record?.length} bytes`);
  const queues = new Set<number>();
  for (let i = 0; i < 8; i++)
    queues.add(
      (await producer.send({ topic, body: `o${i}`, shardingKey: 'order-7' })).messageQueue.queueId,
    );
  assert.equal(queues.size, 1);
  const batch = await producer.sendBatch(
    [0, 1, 2].map((i) => ({ topic, body: `b${i}`, tags: 'B' })),
  );
  assert.equal(batch.msgId.split(',').length, 3);
  const fromBatch = await consumer.pull(batch.messageQueue, 'B', batch.queueOffset, 32);
  assert.deepEqual(
    fromBatch.messages.map((m) => m.body.toString()),
    ['b0', 'b1', 'b2'],
  );
  await producer.sendOneway({ topic, body: 'one-way', tags: 'OW', shardingKey: 'ow' });
  // Its sharding key picks the queue; the send resolved once written, so wait for the store.
  const oneWayQueue = { topic, brokerName: 'broker-a', queueId: rocketmqHashIndex('ow', 4) };
  await waitUntil(
    async () =>
      (await consumer.pull(oneWayQueue, 'OW', 0, 32)).messages.some(
        (m) => m.body.toString() === 'one-way',
      ),
    3000,
    'the one-way message arrives on the queue of its sharding key',
  );
});

test('sends with distinct sharding keys land on the queues the hash of each key picks', async (t) => {
  const cluster = await startCluster(t);
  const c = client(t, cluster);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const topic = uniqueName('SdkSharding');
  await cluster.createTopic(topic, 8);
  const used = new Set<number>();
  for (let i = 0; i < 16; i++) {
    const shardingKey = `order-${i * 7919}`;
    const r = await producer.send({ topic, body: shardingKey, shardingKey });
    assert.equal(
      r.messageQueue.queueId,
      rocketmqHashIndex(shardingKey, 8),
      `queue of sharding key ${shardingKey}`,
    );
    used.add(r.messageQueue.queueId);
  }
  assert.ok(used.size > 1, `16 keys all went to queue ${[...used].join(',')}`);
});

test('the SDK reports typed errors: broker refusals, client-side limits, not started, aborted', async (t) => {
  const cluster = await startCluster(t);
  const c = client(t, cluster);
  const producer = c.createProducer({ producerGroup: uniqueName('PID'), maxMessageSize: 1024 });
  await assert.rejects(
    producer.send({ topic: 'T', body: 'x' }),
    (e: unknown) => e instanceof MQClientError && e.code === 'NOT_STARTED',
  );
  await started(t, producer);
  await assert.rejects(
    producer.send({ topic: 'T', body: Buffer.alloc(2048) }),
    (e: unknown) =>
      e instanceof MQClientError && e.code === 'ILLEGAL_ARGUMENT' && /2048 bytes/.test(e.message),
  );
  const topic = uniqueName('SdkErr');
  await cluster.createTopic(topic, 1);
  // NO_PERMISSION, as RocketMQ answers it; retried like the Java client, then reported.
  await assert.rejects(
    producer.send({ topic: 'SCHEDULE_TOPIC_XXXX', body: 'x' }),
    (e: unknown) =>
      e instanceof MQClientError &&
      /code 16, Sending message to topic\[SCHEDULE_TOPIC_XXXX\] is forbidden/.test(e.message),
  );
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(
    producer.send({ topic, body: 'x' }, { signal: ctl.signal }),
    (e: unknown) => e instanceof MQClientError && e.code === 'ABORTED',
  );
});

test('the pull consumer maps pull statuses, long-polls, and stores the group offset', async (t) => {
  const cluster = await startCluster(t);
  const c = client(t, cluster);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const consumer = await started(t, c.createPullConsumer({ consumerGroup: uniqueName('GID') }));
  const topic = uniqueName('SdkPull');
  await cluster.createTopic(topic, 1);
  const q = { topic, brokerName: 'broker-a', queueId: 0 };
  assert.equal((await consumer.pull(q, '*', 0, 32)).pullStatus, 'NO_NEW_MSG');
  await producer.send({ topic, body: 'a', tags: 'A' });
  assert.equal((await consumer.pull(q, 'B', 0, 32)).pullStatus, 'NO_MATCHED_MSG');
  assert.equal((await consumer.pull(q, '*', 5, 32)).pullStatus, 'OFFSET_ILLEGAL');
  const waiting = consumer.pull(q, '*', 1, 32, { suspendTimeoutMillis: 10000 });
  const sent = await producer.send({ topic, body: 'b' });
  const woken = await waiting;
  assert.equal(woken.pullStatus, 'FOUND');
  assert.equal(woken.messages[0]?.msgId, sent.msgId);
  assert.equal(await consumer.maxOffset(q), 2);
  assert.equal(
    await consumer.fetchConsumeOffset(q),
    0,
    'a fresh queue reads as offset 0, as in RocketMQ',
  );
  await consumer.updateConsumeOffset(q, 2);
  assert.equal(await consumer.fetchConsumeOffset(q), 2);
});

/**
 * A second broker, broker-b, whose route offers `topic` with `queues` writable queues while the
 * broker itself refuses writes to it (NO_PERMISSION, a retriable refusal): its topic config turns
 * read-only after the name server has the writable route, and nothing registers it again.
 */
async function refusingBroker(
  t: TestContext,
  cluster: TestCluster,
  topic: string,
  queues: number,
): Promise<BrokerController> {
  const root = mkdtempSync(join(tmpdir(), 'rmq-second-'));
  const { broker, store } = resolveBrokerConfigs([
    {
      storePathRootDir: root,
      brokerName: 'broker-b',
      listenPort: 0,
      bindAddress: '127.0.0.1',
      brokerIP1: '127.0.0.1',
      namesrvAddr: cluster.namesrvAddr,
      mappedFileSizeCommitLog: 1048576,
      maxHashSlotNum: 1000,
      maxIndexNum: 4000,
    },
  ]);
  const second = new BrokerController(broker, store, pino({ level: 'silent' }));
  await second.start();
  t.after(async () => {
    await second.shutdown();
    rmSync(root, { recursive: true, force: true });
  });
  const config = {
    topicName: topic,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm: 6,
    topicFilterType: 'SINGLE_TAG' as const,
    topicSysFlag: 0,
    order: false,
    attributes: {},
  };
  second.operations.admin.createTopic(config);
  await waitUntil(
    () =>
      cluster.namesrv.routes
        .pickupTopicRouteData(topic)
        ?.brokerDatas.some((b) => b.brokerName === 'broker-b') ?? false,
    3000,
    `the name server routes ${topic} to broker-b`,
  );
  second.internals.topics.put({ ...config, perm: 4 });
  return second;
}

/** Counts the send requests a broker handles (each one still handled as before). */
function countSends(broker: BrokerController): { readonly count: number } {
  const send = broker.operations.send;
  const real = send.sendMessage.bind(send);
  let count = 0;
  send.sendMessage = (input) => {
    count++;
    return real(input);
  };
  return {
    get count() {
      return count;
    },
  };
}

test('a send refused by one broker is retried on another', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('SdkRetry');
  await cluster.createTopic(topic, 2);
  await refusingBroker(t, cluster, topic, 2);
  const c = client(t, cluster);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const brokers = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = await producer.send({ topic, body: `r${i}` });
    assert.equal(r.sendStatus, 'SEND_OK');
    brokers.add(r.messageQueue.brokerName);
  }
  assert.deepEqual([...brokers], ['broker-a']);
});

test('a retry after a refusal goes to another broker even when the next queue in turn is on the refusing one', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('SdkRetryOther');
  // Queues in send order: broker-a/0, broker-b/0, broker-b/1. After broker-b/0 refuses, plain
  // round-robin would try broker-b/1 next.
  await cluster.createTopic(topic, 1);
  const second = await refusingBroker(t, cluster, topic, 2);
  const onA = countSends(cluster.broker);
  const onB = countSends(second);
  const c = client(t, cluster);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  let retried = 0;
  for (let i = 0; i < 6; i++) {
    const [a0, b0] = [onA.count, onB.count];
    const r = await producer.send({ topic, body: `r${i}` });
    const [triedA, triedB] = [onA.count - a0, onB.count - b0];
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(r.messageQueue.brokerName, 'broker-a');
    assert.ok(triedB <= 1, `send ${i} tried the refusing broker ${triedB} times`);
    assert.equal(triedA, 1, `send ${i} reached broker-a ${triedA} times`);
    if (triedB === 1) retried++;
  }
  // Each send that met broker-b first succeeded on its first retry (two attempts, one per broker).
  assert.ok(retried >= 1, 'no send met the refusing broker first');
});

test('the client reports connections to servers going up and down', async (t) => {
  const cluster = await startCluster(t);
  const c = client(t, cluster);
  const up: string[] = [];
  const down: string[] = [];
  c.on('connectionUp', (addr) => up.push(addr)).on('connectionDown', (addr) => down.push(addr));
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  await producer.send({ topic: uniqueName('Conn'), body: 'x' });
  assert.ok(
    up.includes(cluster.namesrvAddr) && up.includes(cluster.brokerAddr),
    `up: ${up.join(', ')}`,
  );
  await cluster.broker.shutdown();
  await waitUntil(
    () => down.includes(cluster.brokerAddr),
    3000,
    'down.includes(cluster.brokerAddr)',
  );
  assert.ok(down.includes(cluster.brokerAddr), `down: ${down.join(', ')}`);
});
