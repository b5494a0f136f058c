import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { AdminClient } from '../../../src/admin/admin-client.ts';
import { MQBrokerError } from '../../../src/common/errors/mq-broker-error.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import type { RemotingCommand } from '../../../src/remoting/protocol/remoting-command.ts';
import { testClient } from '../../helpers/remoting-call.ts';
import type { MessageView, Producer, SendResult } from '../../../src/client/index.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { startCluster, uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { waitUntil } from '../../helpers/wait-for.ts';

function adminOf(t: TestContext, cluster: TestCluster): AdminClient {
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  t.after(() => admin.shutdown());
  return admin;
}

async function sendBatch(
  producer: Producer,
  topic: string,
  prefix: string,
  count: number,
): Promise<SendResult[]> {
  const out: SendResult[] = [];
  for (let i = 0; i < count; i++) out.push(await producer.send({ topic, body: `${prefix}${i}` }));
  return out;
}

/**
 * Two batches with a time between them: every message of the first is stored before `between`,
 * every message of the second at or after it. Returns the offset of the second batch's first
 * message per queue, which is where a reset to `between` must put each queue.
 */
async function twoBatches(
  t: TestContext,
  cluster: TestCluster,
  topic: string,
  count: number,
): Promise<{ between: number; secondStart: Map<number, number> }> {
  const producer = await started(
    t,
    sdkClient(t, cluster).createProducer({ producerGroup: uniqueName('PID') }),
  );
  const first = await sendBatch(producer, topic, 'a', count);
  // Each send was answered after its store, so the first batch is stored before `between`.
  const between = Date.now() + 1;
  await waitUntil(() => Date.now() >= between, 1000, 'the clock passes the first batch');
  const second = await sendBatch(producer, topic, 'b', count);
  const secondStart = new Map<number, number>();
  for (const r of second) {
    const q = r.messageQueue.queueId;
    secondStart.set(q, Math.min(secondStart.get(q) ?? Infinity, r.queueOffset));
  }
  // A queue the second batch missed moves to its end.
  for (const r of first) {
    const q = r.messageQueue.queueId;
    if (!secondStart.has(q)) secondStart.set(q, r.queueOffset + 1);
  }
  return { between, secondStart };
}

const bodies = (ms: readonly MessageView[]): string[] => ms.map((m) => m.body.toString()).sort();
const batch = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_v, i) => `${prefix}${i}`).sort();

test('a live push consumer reset to a time between two batches gets the second batch again, and only it', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('Reset');
  await cluster.createTopic(topic, 4);
  const { between, secondStart } = await twoBatches(t, cluster, topic, 12);
  const group = uniqueName('GID');
  const received: MessageView[] = [];
  const consumer = sdkClient(t, cluster).createPushConsumer({
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    persistConsumerOffsetInterval: 100,
  });
  consumer.subscribe(topic, '*', (m) => {
    received.push(m);
  });
  await started(t, consumer);
  await waitUntil(() => received.length >= 24, 15000, 'both batches are consumed');
  const offsets = cluster.broker.internals.offsets;
  const store = cluster.broker.store;
  const atEnd = (): boolean =>
    [0, 1, 2, 3].every(
      (q) => offsets.query(group, topic, q) === store.getMaxOffsetInQueue(topic, q),
    );
  await waitUntil(atEnd, 10000, 'the consumer commits the end of every queue');
  const before = received.length;

  const table = await adminOf(t, cluster).resetOffsetByTime(group, topic, between);
  assert.deepEqual(
    table,
    [0, 1, 2, 3].map((queueId) => ({
      brokerName: 'broker-a',
      queueId,
      offset: secondStart.get(queueId),
    })),
  );

  await waitUntil(() => received.length >= before + 12, 15000, 'the second batch comes again');
  const again = received.slice(before);
  assert.deepEqual(bodies(again), batch('b', 12), 'only messages stored at or after the time');
  assert.ok(again.every((m) => m.storeTimestamp >= between));
  await waitUntil(atEnd, 10000, 'the consumer commits the end again');
  assert.equal(received.length, before + 12, 'nothing else was delivered after the reset');
});

test('a lite pull consumer continues from the offsets of a reset', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('ResetLite');
  await cluster.createTopic(topic, 2);
  const { between } = await twoBatches(t, cluster, topic, 6);
  const group = uniqueName('GID');
  const consumer = await started(
    t,
    sdkClient(t, cluster).createLitePullConsumer({
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    }),
  );
  await consumer.subscribe(topic);
  const polled: MessageView[] = [];
  await waitUntil(
    async () => polled.push(...(await consumer.poll(100))) >= 12,
    15000,
    'both batches are polled',
  );
  assert.deepEqual(bodies(polled), [...batch('a', 6), ...batch('b', 6)].sort());
  polled.length = 0;
  await adminOf(t, cluster).resetOffsetByTime(group, topic, between);
  await waitUntil(
    async () => polled.push(...(await consumer.poll(100))) >= 6,
    15000,
    'the second batch is polled again',
  );
  assert.deepEqual(bodies(polled), batch('b', 6));
});

test('without force a reset only moves offsets back; a group with no live consumer starts from them', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('ResetOffline');
  await cluster.createTopic(topic, 1);
  const { between, secondStart } = await twoBatches(t, cluster, topic, 3);
  const group = uniqueName('GID');
  const offsets = cluster.broker.internals.offsets;
  offsets.commit(group, topic, 0, 1);
  const admin = adminOf(t, cluster);

  // The target (3) is past the committed offset (1): without force the offset stays.
  assert.deepEqual(await admin.resetOffsetByTime(group, topic, between, false), [
    { brokerName: 'broker-a', queueId: 0, offset: 1 },
  ]);
  assert.equal(offsets.query(group, topic, 0), 1);
  // With force it moves forward; -1 means the end of the queue.
  assert.equal((await admin.resetOffsetByTime(group, topic, -1, true))[0]?.offset, 6);
  // Back to the time, without force: the offset is past it, so it moves.
  assert.equal((await admin.resetOffsetByTime(group, topic, between, false))[0]?.offset, 3);
  assert.equal(offsets.query(group, topic, 0), secondStart.get(0));

  const received: MessageView[] = [];
  const consumer = sdkClient(t, cluster).createPushConsumer({
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(topic, '*', (m) => {
    received.push(m);
  });
  await started(t, consumer);
  await waitUntil(() => received.length >= 3, 15000, 'the consumer reads from the reset offset');
  assert.deepEqual(bodies(received), batch('b', 3));
});

test('resetting an unknown group or topic fails with a remark naming it', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('ResetErr');
  await cluster.createTopic(topic, 1);
  const admin = adminOf(t, cluster);
  const group = uniqueName('NoSuchGroup');
  await assert.rejects(admin.resetOffsetByTime(group, topic, Date.now()), (err: unknown) => {
    assert.ok(err instanceof MQBrokerError);
    assert.equal(err.responseCode, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.match(err.remark, new RegExp(`consumer group "${group}" does not exist`));
    return true;
  });
  const missing = uniqueName('NoSuchTopic');
  await assert.rejects(admin.resetOffsetByTime(group, missing, Date.now()), (err: unknown) => {
    assert.ok(err instanceof MQBrokerError);
    assert.equal(err.responseCode, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(err.message, new RegExp(missing));
    return true;
  });
});

test('a consumer that ignores the reset notice cannot commit its old position and is moved by its next pull', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('ResetRaw');
  await cluster.createTopic(topic, 1);
  const { between } = await twoBatches(t, cluster, topic, 3);
  const group = uniqueName('GID');
  const { call } = testClient(t);
  const commit = (offset: number): Promise<RemotingCommand> =>
    call(cluster.brokerAddr, RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: '0',
      commitOffset: String(offset),
    });
  const offsets = cluster.broker.internals.offsets;
  assert.equal((await commit(6)).code, ResponseCode.SUCCESS);
  await adminOf(t, cluster).resetOffsetByTime(group, topic, between);
  assert.equal(offsets.query(group, topic, 0), 3);

  // Like ali-ons, which never handles RESET_CONSUMER_CLIENT_OFFSET: its commit of 6 is not kept...
  assert.equal((await commit(6)).code, ResponseCode.SUCCESS);
  assert.equal(offsets.query(group, topic, 0), 3);
  // ...and its next pull from 6 is told to continue at 3.
  const pulled = await call(cluster.brokerAddr, RequestCode.PULL_MESSAGE, {
    consumerGroup: group,
    topic,
    queueId: '0',
    queueOffset: '6',
    maxMsgNums: '32',
    sysFlag: '0',
    commitOffset: '-1',
    suspendTimeoutMillis: '0',
    subscription: '*',
    subVersion: '0',
  });
  assert.equal(pulled.code, ResponseCode.PULL_OFFSET_MOVED);
  assert.equal(pulled.extFields?.nextBeginOffset, '3');
  // Once moved, its commits count again.
  assert.equal((await commit(4)).code, ResponseCode.SUCCESS);
  assert.equal(offsets.query(group, topic, 0), 4);
});
