import { test } from 'node:test';
import assert from 'node:assert/strict';
import rmq from 'rocketmq-client-nodejs';
import { AdminClient } from '../../src/admin/admin-client.ts';
import type { MessageView } from '../../src/client/index.ts';
import { startCluster, uniqueName, type TestCluster } from '../helpers/start-cluster.ts';
import { closeClient, quietLogger, startGrpc } from '../helpers/start-grpc.ts';
import { sdkClient, started } from '../helpers/sdk.ts';
import { waitUntil } from '../helpers/wait-for.ts';

const { Producer, SimpleConsumer, PushConsumer, ConsumeResult } = rmq;

test('rocketmq-client-nodejs: a Producer sends and a SimpleConsumer receives and acks every message', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcNormal');
  await cluster.createTopic(topic, 4);
  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    consumerGroup: uniqueName('GID'),
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 1000,
    logger: quietLogger,
  });
  await consumer.startup();
  cluster.onStop(() => closeClient(consumer));
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

/** Receives until `n` messages came (acking each unless `keep` says so) or `timeoutMs` passed. */
async function receiveN(
  consumer: InstanceType<typeof SimpleConsumer>,
  n: number,
  invisibleMs: number,
  timeoutMs = 15000,
): Promise<Awaited<ReturnType<InstanceType<typeof SimpleConsumer>['receive']>>> {
  const out: Awaited<ReturnType<InstanceType<typeof SimpleConsumer>['receive']>> = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline)
    out.push(...(await consumer.receive(Math.min(32, n - out.length), invisibleMs)));
  return out;
}

async function typedTopic(cluster: TestCluster, topic: string, type: string): Promise<void> {
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  try {
    await admin.updateTopic([cluster.brokerAddr], {
      topic,
      readQueueNums: 1,
      writeQueueNums: 1,
      attributes: `+message.type=${type}`,
    });
  } finally {
    await admin.shutdown();
  }
}

function simpleConsumer(
  cluster: TestCluster,
  endpoint: string,
  group: string,
  topic: string,
): InstanceType<typeof SimpleConsumer> {
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 1000,
    logger: quietLogger,
  });
  cluster.onStop(() => closeClient(consumer));
  return consumer;
}

test('rocketmq-client-nodejs FIFO: each message group in order, a message in flight holds only its group', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcFifo');
  await typedTopic(cluster, topic, 'FIFO');
  const group = uniqueName('GID');
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  await admin.updateSubGroup([cluster.brokerAddr], {
    groupName: group,
    consumeMessageOrderly: true,
  });
  await admin.shutdown();
  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  for (let i = 0; i < 4; i++)
    for (const g of ['A', 'B', 'C'])
      await producer.send({ topic, messageGroup: g, body: Buffer.from(`${g}${i}`) });
  const consumer = simpleConsumer(cluster, endpoint, group, topic);
  await consumer.startup();
  const first = await consumer.receive(3, 2000);
  assert.deepEqual(
    first.map((m) => m.body.toString()),
    ['A0', 'B0', 'C0'],
  );
  assert.deepEqual(
    first.map((m) => m.messageGroup),
    ['A', 'B', 'C'],
  );
  for (const m of first) if (m.messageGroup !== 'A') await consumer.ack(m);
  const next = await consumer.receive(32, 30000);
  assert.deepEqual(
    next.map((m) => m.body.toString()),
    ['B1', 'C1', 'B2', 'C2', 'B3', 'C3'],
    'A is held while A0 is in flight; B and C go on in order',
  );
  for (const m of next) await consumer.ack(m);
  const a = await receiveN(consumer, 4, 30000, 10000);
  assert.deepEqual(
    a.map((m) => m.body.toString()),
    ['A0', 'A1', 'A2', 'A3'],
  );
  assert.equal(a[0]?.deliveryAttempt, 2);
  for (const m of a) await consumer.ack(m);
});

test('rocketmq-client-nodejs delay: a message with a delivery timestamp 3 s ahead is not received early', async (t) => {
  const cluster = await startCluster(t, { timerPrecisionMs: 100 });
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcDelay');
  await typedTopic(cluster, topic, 'DELAY');
  const consumer = simpleConsumer(cluster, endpoint, uniqueName('GID'), topic);
  await consumer.startup();
  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  const due = Date.now() + 3000;
  const receipt = await producer.send({
    topic,
    body: Buffer.from('later'),
    deliveryTimestamp: new Date(due),
  });
  assert.ok(receipt.recallHandle, 'a delay message gets a recall handle');
  const [m] = await receiveN(consumer, 1, 15000, 10000);
  const at = Date.now();
  assert.equal(m?.body.toString(), 'later');
  assert.ok(at >= due, `received ${due - at} ms early`);
  assert.equal(m?.deliveryTimestamp?.getTime(), due);
  assert.equal(m?.messageId, receipt.messageId);
  if (m) await consumer.ack(m);

  // Recall: a second delay message is cancelled before it is due and never arrives.
  const recalled = await producer.send({
    topic,
    body: Buffer.from('cancelled'),
    deliveryTimestamp: new Date(Date.now() + 1500),
  });
  const r = await producer.recallMessage(topic, recalled.recallHandle);
  assert.equal(r.messageId, recalled.messageId);
  assert.deepEqual(
    (await receiveN(consumer, 1, 15000, 3000)).map((x) => x.body.toString()),
    [],
    'a recalled message is not delivered',
  );
});

test('rocketmq-client-nodejs transactions: commit delivers, rollback never does, an unknown outcome is resolved by the orphan check', async (t) => {
  const cluster = await startCluster(t, { transactionTimeOut: 500, transactionCheckInterval: 300 });
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcTx');
  await typedTopic(cluster, topic, 'TRANSACTION');
  const consumer = simpleConsumer(cluster, endpoint, uniqueName('GID'), topic);
  await consumer.startup();
  const checked: string[] = [];
  const producer = new Producer({
    endpoints: endpoint,
    namespace: '',
    topic,
    logger: quietLogger,
    checker: {
      // TransactionResolution.COMMIT = 1
      check: (m) => {
        checked.push(m.body.toString());
        return Promise.resolve(1);
      },
    },
  });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  const commit = producer.beginTransaction();
  await producer.send({ topic, body: Buffer.from('commit') }, commit);
  await commit.commit();
  const rollback = producer.beginTransaction();
  await producer.send({ topic, body: Buffer.from('rollback') }, rollback);
  await rollback.rollback();
  const unknown = producer.beginTransaction();
  await producer.send({ topic, body: Buffer.from('unknown') }, unknown); // never ended by the client
  const got = await receiveN(consumer, 2, 15000, 15000);
  for (const m of got) await consumer.ack(m);
  assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['commit', 'unknown']);
  assert.deepEqual(checked, ['unknown'], 'the orphan check asked about the open transaction only');
  assert.deepEqual(
    (await consumer.receive(16, 15000)).map((m) => m.body.toString()),
    [],
    'rollback never delivers',
  );
});

test('rocketmq-client-nodejs PushConsumer consumes every message and a failed one comes again', async (t) => {
  // The client's shutdown waits for the receive held at the broker: keep holds short.
  const cluster = await startCluster(t, { brokerSuspendMaxTimeMillis: 2000 });
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcPush');
  await cluster.createTopic(topic, 2);
  const group = uniqueName('GID');
  const attempts = new Map<string, number[]>();
  const consumer = new PushConsumer({
    endpoints: endpoint,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    logger: quietLogger,
    messageListener: {
      consume: (m) => {
        const body = m.body.toString();
        attempts.set(body, [...(attempts.get(body) ?? []), m.deliveryAttempt ?? 0]);
        return body === 'flaky' && m.deliveryAttempt === 1
          ? ConsumeResult.FAILURE
          : ConsumeResult.SUCCESS;
      },
    },
  });
  await consumer.startup();
  cluster.onStop(async () => {
    await closeClient(consumer);
    // The client's consume service opens a file logger of its own (egg-logger, ~/logs/rocketmq)
    // and never closes it; its flush timer would keep this test process alive.
    (consumer as unknown as { getConsumeService(): { logger: { close?(): void } } })
      .getConsumeService()
      .logger.close?.();
  });
  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  const bodies = ['p0', 'p1', 'p2', 'p3', 'flaky'];
  for (const body of bodies) await producer.send({ topic, body: Buffer.from(body) });
  await waitUntil(
    () => bodies.every((b) => attempts.has(b)) && (attempts.get('flaky')?.length ?? 0) >= 2,
    20000,
    'every message consumed and the failure retried',
  );
  assert.deepEqual(attempts.get('flaky')?.slice(0, 2), [1, 2]);
  // Every message acknowledged at the broker (the group's offsets at the end of both queues)
  // before the client shuts down: its shutdown waits for unsettled acks without a limit.
  const offsets = cluster.broker.internals.offsets;
  await waitUntil(
    () => offsets.query(group, topic, 0) + offsets.query(group, topic, 1) === bodies.length,
    10000,
    'every message acknowledged',
  );
  for (const b of bodies.slice(0, 4)) assert.deepEqual(attempts.get(b), [1], `${b} once`);
});

test('a message stays invisible until its invisible duration ends, then comes again (ChangeInvisibleDuration gives a new handle)', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcInvisible');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const a = simpleConsumer(cluster, endpoint, group, topic);
  const b = simpleConsumer(cluster, endpoint, group, topic);
  await a.startup();
  await b.startup();
  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  await producer.send({ topic, body: Buffer.from('x') });
  const [m] = await receiveN(a, 1, 1500);
  assert.ok(m);
  const before = m.receiptHandle;
  await a.changeInvisibleDuration(m, 2500);
  assert.notEqual(m.receiptHandle, before, 'a new receipt handle');
  assert.deepEqual(await b.receive(1, 15000), [], 'invisible to the rest of the group');
  const [again] = await receiveN(b, 1, 15000, 10000);
  assert.equal(again?.messageId, m.messageId);
  assert.equal(again?.deliveryAttempt, 2);
  await assert.rejects(
    a.ack(m),
    /INVALID_RECEIPT_HANDLE|40013|expired/,
    'the superseded handle no longer acks',
  );
  if (again) await b.ack(again);
});

test('messages cross protocols with their ids: Remoting (our SDK) to gRPC and gRPC to Remoting', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcCross');
  await cluster.createTopic(topic, 2);
  const c = sdkClient(t, cluster);
  const remotingProducer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const viaRemoting = await remotingProducer.send({
    topic,
    body: 'from remoting',
    tags: 'R',
    keys: ['rk'],
  });
  const grpcConsumer = simpleConsumer(cluster, endpoint, uniqueName('GID'), topic);
  await grpcConsumer.startup();
  const [m] = await receiveN(grpcConsumer, 1, 15000);
  assert.equal(m?.messageId, viaRemoting.msgId);
  assert.equal(m?.tag, 'R');
  assert.deepEqual(m?.keys, ['rk']);
  if (m) await grpcConsumer.ack(m);

  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  const viaGrpc = await producer.send({
    topic,
    body: Buffer.from('from grpc'),
    tag: 'G',
    keys: ['gk'],
  });
  const seen: MessageView[] = [];
  const consumer = c.createPushConsumer({
    consumerGroup: uniqueName('GID'),
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(topic, 'G', (x) => void seen.push(x));
  await started(t, consumer);
  await waitUntil(() => seen.length > 0, 10000, 'the gRPC message reaches the Remoting consumer');
  assert.equal(seen[0]?.msgId, viaGrpc.messageId);
  assert.equal(viaGrpc.messageId.length, 34, 'a 5.x id (17 bytes, hex)');
  assert.deepEqual(seen[0]?.keys, ['gk']);
  assert.equal(seen[0]?.body.toString(), 'from grpc');
});
