import { test } from 'node:test';
import { waitUntil } from '../../helpers/wait-for.ts';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type MessageView } from '../../../src/client/index.ts';
import { startCluster, startRestartableBroker, uniqueName } from '../../helpers/start-cluster.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { latch } from '../../helpers/latch.ts';
import { AdminClient } from '../../../src/admin/admin-client.ts';

test('a delayed message arrives no earlier than its level and within a second after, on its real topic', async (t) => {
  const cluster = await startCluster(t, { messageDelayLevel: '100ms 600ms 1s' });
  const c = sdkClient(t, cluster);
  const topic = uniqueName('Delay');
  await cluster.createTopic(topic, 2);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const got = new Map<string, { at: number; message: MessageView }>();
  const arrived = latch(3, 10000, 'delayed messages');
  const consumer = c.createPushConsumer({
    consumerGroup: uniqueName('GID'),
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(topic, '*', (m) => {
    got.set(m.body.toString(), { at: Date.now(), message: m });
    arrived.countDown();
  });
  await started(t, consumer);
  const sentAt = Date.now();
  await producer.send({ topic, body: 'level-2', tags: 'TagD', properties: { DELAY: '2' } });
  await producer.send({ topic, body: 'clamped', properties: { DELAY: '99' } }); // above the table: the last level (1 s)
  await producer.send({ topic, body: 'now' });
  await arrived.done;
  const l2 = got.get('level-2');
  assert.ok(l2);
  const waited = l2.at - sentAt;
  assert.ok(waited >= 600 && waited < 1600, `level 2 (600 ms) arrived after ${waited} ms`);
  assert.equal(l2.message.topic, topic);
  assert.equal(l2.message.tags, 'TagD');
  assert.equal(l2.message.properties.get('REAL_TOPIC'), undefined);
  const clamped = (got.get('clamped')?.at ?? 0) - sentAt;
  assert.ok(clamped >= 1000 && clamped < 2000, `clamped message arrived after ${clamped} ms`);
  assert.ok((got.get('now')?.at ?? Infinity) - sentAt < 600, 'an undelayed message is not held');
});

test('delayed messages still pending when the broker stops are delivered after it restarts', async (t) => {
  const cluster = await startRestartableBroker(t, { messageDelayLevel: '1500ms' });
  const { namesrvAddr, broker } = cluster;
  const topic = uniqueName('DelayRestart');
  broker.operations.admin.createTopic({
    topicName: topic,
    readQueueNums: 1,
    writeQueueNums: 1,
    perm: 6,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
    attributes: {},
  });
  const c = createClient({ namesrvAddr, clientIP: '127.0.0.1', instanceName: uniqueName('p') });
  const producer = c.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  for (let i = 0; i < 5; i++)
    await producer.send({ topic, body: `d${i}`, properties: { DELAY: '1' } });
  await producer.shutdown();
  await c.shutdown();
  // Restarted before any is due.
  const restarted = await cluster.restart(() =>
    assert.ok(existsSync(join(cluster.root, 'config', 'delayOffset.json'))),
  );
  const store = restarted.store;
  await waitUntil(
    () => store.getMaxOffsetInQueue(topic, 0) >= 5,
    5000,
    'store.getMaxOffsetInQueue(topic, 0) >= 5',
  );
  assert.equal(
    store.getMaxOffsetInQueue(topic, 0),
    5,
    'each pending delayed message delivered once',
  );
});

test('after maxReconsumeTimes the dead-letter queue holds the message with its original topic and id', async (t) => {
  const cluster = await startCluster(t);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('Dlq');
  await cluster.createTopic(topic, 1);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const sent = await producer.send({ topic, body: 'always fails', keys: ['k-dlq'] });
  const group = uniqueName('GID');
  const attempts: number[] = [];
  const consumer = c.createPushConsumer({
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    maxReconsumeTimes: 3,
  });
  consumer.subscribe(topic, '*', (m) => {
    attempts.push(m.reconsumeTimes);
    throw new Error('no');
  });
  await started(t, consumer);
  const pull = await started(t, c.createPullConsumer({ consumerGroup: uniqueName('GID') }));
  const dlq = { topic: `%DLQ%${group}`, brokerName: 'broker-a', queueId: 0 };
  await waitUntil(
    () => cluster.broker.store.getMaxOffsetInQueue(dlq.topic, 0) > 0,
    10000,
    'the message reaches the DLQ',
  );
  const dead = (await pull.pull(dlq, '*', 0, 1)).messages[0];
  assert.ok(dead, 'the message reached the DLQ');
  assert.deepEqual(attempts, [0, 1, 2, 3]);
  assert.equal(dead.topic, topic, 'RETRY_TOPIC keeps the original topic');
  assert.equal(dead.msgId, sent.msgId);
  assert.equal(dead.properties.get('ORIGIN_MESSAGE_ID'), sent.msgId);
  assert.equal(dead.body.toString(), 'always fails');
  assert.deepEqual(dead.keys, ['k-dlq']);
  // rmq admin queryMsgById -s true puts it back on its original topic, same id and body.
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  t.after(() => admin.shutdown());
  const resent = await admin.resendMessage(await admin.viewMessage(dead.offsetMsgId));
  assert.equal(resent.messageQueue.topic, topic);
  assert.equal(resent.msgId, sent.msgId);
  const back = await pull.pull(
    { topic, brokerName: 'broker-a', queueId: resent.messageQueue.queueId },
    '*',
    resent.queueOffset,
    1,
  );
  assert.equal(back.messages[0]?.msgId, sent.msgId);
  assert.equal(back.messages[0]?.body.toString(), 'always fails');
  assert.equal(back.messages[0]?.properties.get('RETRY_TOPIC'), undefined);
});
