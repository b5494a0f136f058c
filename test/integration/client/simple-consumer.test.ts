import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AdminClient } from '../../../src/admin/admin-client.ts';
import {
  createClient,
  MQBrokerError,
  type ReceivedMessage,
  type SimpleConsumer,
} from '../../../src/client/index.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { jsonBody, testClient } from '../../helpers/remoting-call.ts';
import { startCluster, startRestartableBroker, uniqueName } from '../../helpers/start-cluster.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { waitUntil } from '../../helpers/wait-for.ts';

/** Receives until `n` messages came or `timeoutMs` passed. */
async function receiveN(
  consumer: SimpleConsumer,
  n: number,
  invisibleMs: number,
  timeoutMs = 10000,
): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline)
    out.push(...(await consumer.receive(Math.min(32, n - out.length), invisibleMs)));
  return out;
}

test('SimpleConsumer receives every message once and acks them (single and batch); nothing comes again', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('Pop');
  await cluster.createTopic(topic, 4);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const sent = new Set<string>();
  for (let i = 0; i < 40; i++) {
    await producer.send({ topic, body: `m${i}`, tags: i % 2 ? 'odd' : 'even' });
    sent.add(`m${i}`);
  }
  const consumer = await started(
    t,
    c.createSimpleConsumer({
      consumerGroup: uniqueName('GID'),
      awaitDuration: 300,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    }),
  );
  consumer.subscribe(topic);
  const got = await receiveN(consumer, 40, 30000);
  assert.deepEqual(new Set(got.map((m) => m.body.toString())), sent);
  assert.equal(got.length, 40, 'no message twice');
  assert.ok(got.every((m) => m.deliveryAttempt === 1 && m.receiptHandle.split(' ').length === 8));
  for (const m of got.slice(0, 5)) await consumer.ack(m);
  await consumer.ack(got.slice(5));
  assert.deepEqual(await consumer.receive(32, 1000), [], 'acknowledged messages do not come again');

  // A tag subscription on a second group sees only its tag.
  const tagged = await started(
    t,
    c.createSimpleConsumer({
      consumerGroup: uniqueName('GID'),
      awaitDuration: 300,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    }),
  );
  tagged.subscribe(topic, 'odd');
  const odd = await receiveN(tagged, 20, 30000);
  assert.equal(odd.length, 20);
  assert.ok(odd.every((m) => m.tags === 'odd'));
});

test('a received message stays invisible to the group until its invisible time ends, then comes again with attempt 2', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopInvisible');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const options = {
    consumerGroup: group,
    awaitDuration: 300,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  } as const;
  const a = await started(t, c.createSimpleConsumer(options));
  const b = await started(t, c.createSimpleConsumer(options));
  a.subscribe(topic);
  b.subscribe(topic);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const sent = await producer.send({ topic, body: 'once' });
  const [first] = await receiveN(a, 1, 1500);
  assert.equal(first?.msgId, sent.msgId);
  assert.deepEqual(await b.receive(1, 1500), [], 'invisible to the rest of the group');
  let again: ReceivedMessage[] = [];
  await waitUntil(
    async () => (again = await b.receive(1, 30000)).length > 0,
    8000,
    'redelivered after the invisible time',
  );
  assert.equal(again[0]?.msgId, sent.msgId);
  assert.equal(again[0]?.deliveryAttempt, 2);
  assert.equal(again[0]?.reconsumeTimes, 1);
  await assert.rejects(
    a.ack(first),
    (e: unknown) =>
      e instanceof MQBrokerError &&
      e.responseCode === ResponseCode.NO_MESSAGE &&
      /expired/.test(e.remark),
    'the first handle is stale once the message went out again',
  );
  await b.ack(again[0]);
});

test("changeInvisibleDuration extends a message's invisibility with a new handle", async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopChange');
  await cluster.createTopic(topic, 1);
  const consumer = await started(
    t,
    c.createSimpleConsumer({
      consumerGroup: uniqueName('GID'),
      awaitDuration: 200,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    }),
  );
  consumer.subscribe(topic);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  await producer.send({ topic, body: 'slow work' });
  const [m] = await receiveN(consumer, 1, 1000);
  assert.ok(m);
  const oldHandle = { ...m, receiptHandle: m.receiptHandle };
  await consumer.changeInvisibleDuration(m, 4000);
  assert.notEqual(m.receiptHandle, oldHandle.receiptHandle);
  const until = Date.now() + 1800;
  while (Date.now() < until)
    assert.deepEqual(await consumer.receive(1, 1000), [], 'still invisible past the first 1 s');
  await assert.rejects(consumer.ack(oldHandle), MQBrokerError, 'the old handle no longer acks');
  await consumer.ack(m);
  await assert.rejects(
    consumer.changeInvisibleDuration(m, -5),
    (e: unknown) => e instanceof MQBrokerError && e.responseCode === ResponseCode.MESSAGE_ILLEGAL,
    'a negative invisible time is refused',
  );
});

test('a message never acknowledged goes to %DLQ%group after retryMaxTimes, id kept', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopDlq');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  t.after(() => admin.shutdown());
  await admin.updateSubGroup([cluster.brokerAddr], { groupName: group, retryMaxTimes: 1 });
  const consumer = await started(
    t,
    c.createSimpleConsumer({
      consumerGroup: group,
      awaitDuration: 200,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    }),
  );
  consumer.subscribe(topic);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const sent = await producer.send({ topic, body: 'poison' });
  const attempts: number[] = [];
  const reader = await started(t, c.createPullConsumer({ consumerGroup: uniqueName('GID_dlq') }));
  const dlq = `%DLQ%${group}`;
  let found: string[] = [];
  // Receive until the message lands in the DLQ: after its last attempt expires, the next
  // receive moves it there instead of handing it out a third time.
  await waitUntil(
    async () => {
      for (const m of await consumer.receive(1, 1000)) attempts.push(m.deliveryAttempt);
      const r = await reader
        .pull({ topic: dlq, brokerName: 'broker-a', queueId: 0 }, '*', 0, 32)
        .catch(() => undefined);
      found = r?.messages.map((m) => `${m.msgId}:${m.properties.get('RETRY_TOPIC') ?? ''}`) ?? [];
      return found.length > 0;
    },
    10000,
    'the message is in the DLQ',
  );
  assert.deepEqual(attempts, [1, 2], 'two deliveries (retryMaxTimes 1), never a third');
  assert.deepEqual(found, [`${sent.msgId}:${topic}`]);
});

test('FIFO: each message group comes in order, and a message in flight holds only its group', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopFifo');
  await cluster.createTopic(topic, 1);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  for (let i = 0; i < 4; i++)
    for (const g of ['A', 'B', 'C'])
      await producer.send({ topic, body: `${g}${i}`, shardingKey: g });
  const consumer = await started(
    t,
    c.createSimpleConsumer({
      consumerGroup: uniqueName('GID'),
      awaitDuration: 200,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      fifo: true,
    }),
  );
  consumer.subscribe(topic);
  // First receive: one message per group at most 3; take only the heads.
  const first = await consumer.receive(3, 1000);
  assert.deepEqual(
    first.map((m) => m.body.toString()),
    ['A0', 'B0', 'C0'],
  );
  // Ack B0 and C0; A0 is left to expire: A is held, B and C go on.
  await consumer.ack(first.filter((m) => !m.body.toString().startsWith('A')));
  const next = await consumer.receive(32, 30000);
  assert.deepEqual(
    next.map((m) => m.body.toString()),
    ['B1', 'C1', 'B2', 'C2', 'B3', 'C3'],
    'group A is held while A0 is in flight',
  );
  await consumer.ack(next);
  let a: ReceivedMessage[] = [];
  await waitUntil(async () => (a = await consumer.receive(32, 30000)).length > 0, 8000, 'A again');
  assert.deepEqual(
    a.map((m) => m.body.toString()),
    ['A0', 'A1', 'A2', 'A3'],
    'A0 first, then the rest in order',
  );
  assert.equal(a[0]?.deliveryAttempt, 2);
  await consumer.ack(a);
});

test('a receive waiting at the broker returns as soon as a message arrives', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopPoll');
  await cluster.createTopic(topic, 2);
  const group = uniqueName('GID');
  const consumer = await started(
    t,
    c.createSimpleConsumer({ consumerGroup: group, awaitDuration: 10000 }),
  );
  consumer.subscribe(topic);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  assert.deepEqual(
    await c
      .createSimpleConsumer({ consumerGroup: 'x' })
      .receive()
      .catch(() => 'not started'),
    'not started',
  );
  const pop = cluster.broker.internals.pop;
  let answered = false;
  const waiting = consumer.receive(1, 30000).finally(() => (answered = true));
  await waitUntil(
    () => pop.heldCount(group, topic) === 1,
    5000,
    'the broker holds the receive (nothing to receive yet)',
  );
  assert.equal(answered, false, 'a held receive is not answered');
  const sentAt = Date.now();
  await producer.send({ topic, body: 'wake up' });
  const got = await waiting;
  assert.deepEqual(
    got.map((m) => m.body.toString()),
    ['wake up'],
  );
  const after = Date.now() - sentAt;
  assert.ok(after < 5000, `answered ${after} ms after the send: woken by it, not by the 10 s poll`);
  assert.equal(pop.heldCount(group, topic), 0, 'the arrival released the held receive');
});

test('POP state survives a broker restart: acknowledged messages never come again, pending ones do', async (t) => {
  const cluster = await startRestartableBroker(t);
  const { namesrvAddr } = cluster;
  const topic = uniqueName('PopRestart');
  const group = uniqueName('GID');
  const c = createClient({
    namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('pop-restart'),
  });
  const producer = c.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  for (let i = 0; i < 10; i++) await producer.send({ topic, body: `r${i}` });
  const consumer = c.createSimpleConsumer({
    consumerGroup: group,
    awaitDuration: 300,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(topic);
  await consumer.start();
  const got = await receiveN(consumer, 10, 2000);
  assert.equal(got.length, 10);
  const acked = got.filter((m) => Number(m.body.toString().slice(1)) % 2 === 0);
  await consumer.ack(acked);
  await consumer.shutdown();
  await producer.shutdown();
  await c.shutdown();
  await cluster.restart();
  const c2 = createClient({
    namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('pop-restart2'),
  });
  const again = c2.createSimpleConsumer({ consumerGroup: group, awaitDuration: 300 });
  again.subscribe(topic);
  await again.start();
  t.after(async () => {
    await again.shutdown();
    await c2.shutdown();
  });
  assert.deepEqual(
    await again.receive(32, 30000),
    [],
    'nothing visible right after the restart (still invisible)',
  );
  const back = await receiveN(again, 5, 8000);
  assert.deepEqual(
    back.map((m) => m.body.toString()).sort(),
    ['r1', 'r3', 'r5', 'r7', 'r9'],
    'exactly the unacknowledged ones come again, after their invisible time',
  );
  await again.ack(back);
  assert.deepEqual(await again.receive(32, 30000), []);
});

test('push consumers in POP mode share one queue message by message, and a failure comes again', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopPush');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const seen: Record<string, string[]> = { a: [], b: [] };
  const attempts = new Map<string, number[]>();
  const consumers = ['a', 'b'].map((name) => {
    const consumer = c.createPushConsumer({
      consumerGroup: group,
      consumeMode: 'POP',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      popInvisibleTime: 1500,
      consumeThreadMax: 2,
      pullBatchSize: 2,
      brokerSuspendMaxTimeMillis: 1000,
    });
    consumer.subscribe(topic, '*', async (m) => {
      const body = m.body.toString();
      attempts.set(body, [...(attempts.get(body) ?? []), m.reconsumeTimes]);
      if (body === 'fail-once' && m.reconsumeTimes === 0) throw new Error('not yet');
      await new Promise((r) => setTimeout(r, 10));
      seen[name]?.push(body);
    });
    return consumer;
  });
  for (const consumer of consumers) await started(t, consumer);
  assert.deepEqual(consumers[0]?.assignment(), [], 'POP assigns messages, not queues');
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const bodies = Array.from({ length: 40 }, (_v, i) => `p${i}`).concat('fail-once');
  for (const body of bodies) await producer.send({ topic, body });
  await waitUntil(
    () => (seen.a?.length ?? 0) + (seen.b?.length ?? 0) >= bodies.length,
    15000,
    'every message handled',
  );
  const all = [...(seen.a ?? []), ...(seen.b ?? [])];
  assert.deepEqual(all.sort(), [...bodies].sort(), 'each message handled once');
  assert.ok(
    (seen.a?.length ?? 0) > 0 && (seen.b?.length ?? 0) > 0,
    `a: ${seen.a?.length}, b: ${seen.b?.length}`,
  );
  assert.deepEqual(
    attempts.get('fail-once'),
    [0, 1],
    'the failure came again with reconsumeTimes 1',
  );
});

test('resetOffsetByTime rewinds a POP group: acknowledged messages after the time come again', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopReset');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  await producer.send({ topic, body: 'before' });
  const consumer = await started(
    t,
    c.createSimpleConsumer({
      consumerGroup: group,
      awaitDuration: 300,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    }),
  );
  consumer.subscribe(topic);
  await consumer.ack(await receiveN(consumer, 1, 30000));
  const stored = await producer.send({ topic, body: 'after' });
  const after = await receiveN(consumer, 1, 30000);
  assert.deepEqual(
    after.map((m) => m.body.toString()),
    ['after'],
  );
  await consumer.ack(after);
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  t.after(() => admin.shutdown());
  const storeTime = after[0]?.storeTimestamp ?? 0;
  const table = await admin.resetOffsetByTime(group, topic, storeTime);
  assert.deepEqual(
    table.map((q) => q.offset),
    [stored.queueOffset],
  );
  const again = await receiveN(consumer, 1, 30000);
  assert.deepEqual(
    again.map((m) => m.body.toString()),
    ['after'],
    'from the reset offset on',
  );
});

test('offsets a POP filter passed over stay consumed after a crash (no snapshot), so the group offset reaches the end', async (t) => {
  const cluster = await startRestartableBroker(t);
  const { namesrvAddr } = cluster;
  const topic = uniqueName('PopFilter');
  const group = uniqueName('GID');
  const c = createClient({
    namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('pop-filter'),
  });
  const producer = c.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  for (let i = 0; i < 6; i++)
    await producer.send({ topic, body: `f${i}`, tags: i === 5 ? 'want' : 'skip' });
  const consumer = c.createSimpleConsumer({
    consumerGroup: group,
    awaitDuration: 300,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(topic, 'want');
  await consumer.start();
  const got = await receiveN(consumer, 1, 30000);
  assert.deepEqual(
    got.map((m) => m.body.toString()),
    ['f5'],
  );
  await consumer.ack(got);
  // One more (empty) receive walks every queue, passing over the rest of the unwanted messages.
  assert.deepEqual(await consumer.receive(32, 30000), []);
  await consumer.shutdown();
  await producer.shutdown();
  await c.shutdown();
  // As if the broker had died before its POP snapshot: only the revive records remain.
  const broker = await cluster.restart(() => {
    rmSync(join(cluster.root, 'config', 'popState.json'), { force: true });
    rmSync(join(cluster.root, 'config', 'popState.json.bak'), { force: true });
  });
  const queues = broker.internals.topics.get(topic)?.readQueueNums ?? 0;
  let committed = 0;
  let max = 0;
  for (let q = 0; q < queues; q++) {
    committed += Math.max(0, broker.internals.offsets.query(group, topic, q));
    max += broker.internals.store.getMaxOffsetInQueue(topic, q);
  }
  assert.equal(committed, max, 'skipped and acknowledged offsets are all consumed');
});

test('a SimpleConsumer is listed in its group as soon as start() returns, with its subscription, before any receive', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopListed');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const consumer = c.createSimpleConsumer({ consumerGroup: group, awaitDuration: 300 });
  consumer.subscribe(topic, 'TagA || TagB');
  await started(t, consumer);
  const { call } = testClient(t);
  const res = await call(cluster.brokerAddr, RequestCode.GET_CONSUMER_CONNECTION_LIST, {
    consumerGroup: group,
  });
  assert.equal(res.code, ResponseCode.SUCCESS, `connection list: ${res.remark}`);
  const list = JSON.parse(res.body?.toString() ?? '{}') as {
    connectionSet: { clientId: string }[];
    consumeType: string;
    subscriptionTable: Record<string, { subString: string }>;
  };
  assert.deepEqual(
    list.connectionSet.map((x) => x.clientId),
    [c.clientId],
  );
  assert.equal(list.consumeType, 'CONSUME_POP');
  assert.equal(list.subscriptionTable[topic]?.subString, 'TagA || TagB');
});

test("a consumer answers the broker's relayed GET_CONSUMER_RUNNING_INFO (mqadmin consumerStatus) with its subscriptions", async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('PopStatus');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('GID');
  const consumer = c.createSimpleConsumer({ consumerGroup: group, awaitDuration: 300 });
  consumer.subscribe(topic, 'TagA');
  await started(t, consumer);
  const { call } = testClient(t);
  const res = await call(cluster.brokerAddr, RequestCode.GET_CONSUMER_RUNNING_INFO, {
    consumerGroup: group,
    clientId: c.clientId,
    jstackEnable: 'false',
  });
  assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
  const info = jsonBody<{
    properties: Record<string, string>;
    subscriptionSet: { topic: string; subString: string }[];
  }>(res);
  assert.equal(info.properties.PROP_CONSUME_TYPE, 'CONSUME_POP');
  assert.deepEqual(
    info.subscriptionSet.map((s) => [s.topic, s.subString]),
    [[topic, 'TagA']],
  );
  const unknown = await call(cluster.brokerAddr, RequestCode.GET_CONSUMER_RUNNING_INFO, {
    consumerGroup: 'NoSuchGroup',
    clientId: c.clientId,
  });
  assert.equal(unknown.code, ResponseCode.SYSTEM_ERROR);
});
