import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MQBrokerError, type MessageView } from '../../../src/client/index.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { latch } from '../../helpers/latch.ts';

test('timer messages (deliveryTimestamp, TIMER_DELAY_SEC, TIMER_DELAY_MS) arrive on their topic no earlier than due, ids kept', async (t) => {
  const cluster = await startCluster(t, { timerPrecisionMs: 100 });
  const c = sdkClient(t, cluster);
  const topic = uniqueName('Timer');
  await cluster.createTopic(topic, 2);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const got = new Map<string, { at: number; message: MessageView }>();
  const arrived = latch(4, 10000, 'timer messages');
  const consumer = c.createPushConsumer({
    consumerGroup: uniqueName('GID'),
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(topic, '*', (m) => {
    got.set(m.body.toString(), { at: Date.now(), message: m });
    arrived.countDown();
  });
  await started(t, consumer);
  const now = Date.now();
  const due = {
    at: now + 1200,
    sec: now + 1000,
    ms: now + 700,
  };
  const sent = await producer.send({ topic, body: 'at', tags: 'TagT', deliveryTimestamp: due.at });
  await producer.send({ topic, body: 'sec', properties: { TIMER_DELAY_SEC: '1' } });
  await producer.send({ topic, body: 'ms', properties: { TIMER_DELAY_MS: '700' } });
  await producer.send({ topic, body: 'past', deliveryTimestamp: now - 60000 });
  await arrived.done;
  for (const [body, dueAt] of Object.entries(due)) {
    const g = got.get(body);
    assert.ok(g, body);
    assert.ok(
      g.message.storeTimestamp >= dueAt,
      `${body} stored ${dueAt - g.message.storeTimestamp} ms early`,
    );
    assert.ok(g.at - dueAt < 100 + 1000, `${body} arrived ${g.at - dueAt} ms after due`);
  }
  const at = got.get('at')?.message;
  assert.equal(at?.topic, topic);
  assert.equal(at?.tags, 'TagT');
  assert.equal(at?.msgId, sent.msgId, 'the message id is kept');
  assert.equal(at?.properties.get('TIMER_OUT_MS'), String(due.at));
  assert.equal(at?.properties.get('REAL_TOPIC'), undefined);
  assert.equal(at?.properties.get('TIMER_DELIVER_MS'), undefined);
  assert.ok((got.get('past')?.at ?? Infinity) - now < 700, 'a due time in the past is not held');
});

test('a timer beyond timerMaxDelaySec, a malformed one, or any with the wheel disabled is refused with MESSAGE_ILLEGAL', async (t) => {
  const cluster = await startCluster(t, { timerMaxDelaySec: 60 });
  const c = sdkClient(t, cluster);
  const topic = uniqueName('TimerBad');
  await cluster.createTopic(topic, 1);
  const producer = await started(t, c.createProducer({ producerGroup: uniqueName('PID') }));
  const refused = (remark: RegExp) => (e: unknown) =>
    e instanceof MQBrokerError &&
    e.responseCode === ResponseCode.MESSAGE_ILLEGAL &&
    remark.test(e.remark);
  await assert.rejects(
    producer.send({ topic, body: 'x', deliveryTimestamp: Date.now() + 61000 }),
    refused(/due in 6\d s .*beyond timerMaxDelaySec 60/),
  );
  await assert.rejects(
    producer.send({ topic, body: 'x', properties: { TIMER_DELAY_SEC: 'soon' } }),
    refused(/TIMER_DELAY_SEC=soon is not a number/),
  );
  await producer.send({ topic, body: 'ok', properties: { TIMER_DELAY_SEC: '59' } });

  const off = await startCluster(t, { timerWheelEnable: false });
  const c2 = sdkClient(t, off);
  await off.createTopic(topic, 1);
  const p2 = await started(t, c2.createProducer({ producerGroup: uniqueName('PID') }));
  await assert.rejects(
    p2.send({ topic, body: 'x', properties: { TIMER_DELAY_MS: '10' } }),
    refused(/timerWheelEnable=false/),
  );
});
