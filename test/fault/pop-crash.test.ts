import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type ReceivedMessage } from '../../src/client/index.ts';
import { crashableStandalone } from '../helpers/crashable-standalone.ts';

const TOPIC = 'PopKill';
const GROUP = 'GID_pop_kill';
/** Long enough that the kill and restart fit well inside it. */
const INVISIBLE_MS = 8000;

test('POP acks and invisibility survive a broker kill -9: acknowledged messages never come again, the rest stay invisible until their invisible time and then do', async (t) => {
  const extraArgs = ['--mappedFileSizeCommitLog=4194304'];
  const broker = await crashableStandalone(t, 'rmq-pop-kill-', extraArgs);
  const first = broker.current;
  const c = createClient({
    namesrvAddr: first.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'pop-kill-1',
  });
  const producer = c.createProducer({ producerGroup: 'PID_pop_kill' });
  await producer.start();
  for (let i = 0; i < 30; i++) await producer.send({ topic: TOPIC, body: `k${i}` });
  await producer.shutdown();
  const consumer = c.createSimpleConsumer({
    consumerGroup: GROUP,
    awaitDuration: 500,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  });
  consumer.subscribe(TOPIC);
  await consumer.start();
  const got: ReceivedMessage[] = [];
  const deadline = Date.now() + 15000;
  // The broker's pop time of each message is no earlier than the start of its receive call.
  const poppedNoEarlierThan = new Map<string, number>();
  while (got.length < 30 && Date.now() < deadline) {
    const calledAt = Date.now();
    const batch = await consumer.receive(32, INVISIBLE_MS);
    for (const m of batch) poppedNoEarlierThan.set(m.body.toString(), calledAt);
    got.push(...batch);
  }
  assert.equal(got.length, 30);
  const acked = got.filter((m) => Number(m.body.toString().slice(1)) % 2 === 1);
  await consumer.ack(acked.slice(0, 5));
  await consumer.ack(acked.slice(5)); // batch ack
  await consumer.shutdown();
  await c.shutdown();
  // Killed right after the acks: no snapshot yet, so only the revive records carry them.
  const second = await broker.killAndRestart();
  const c2 = createClient({
    namesrvAddr: second.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'pop-kill-2',
  });
  const again = c2.createSimpleConsumer({ consumerGroup: GROUP, awaitDuration: 1000 });
  again.subscribe(TOPIC);
  await again.start();
  t.after(async () => {
    await again.shutdown();
    await c2.shutdown();
  });
  // Still invisible after the restart: a receive now finds nothing (the restart is far shorter
  // than INVISIBLE_MS, and a broker that lost the invisibility would hand them out at once).
  const calledAt = Date.now();
  const right = await again.receive(32, 30000);
  if (calledAt < Math.min(...poppedNoEarlierThan.values()) + INVISIBLE_MS)
    assert.deepEqual(
      right,
      [],
      'the unacknowledged messages are still invisible after the restart',
    );
  const back: ReceivedMessage[] = [...right];
  const receivedAt = new Map<string, number>();
  const until = Date.now() + 30000;
  while (back.length < 15 && Date.now() < until) {
    const batch = await again.receive(32, 30000);
    for (const m of batch) receivedAt.set(m.body.toString(), Date.now());
    back.push(...batch);
  }
  for (const [body, at] of receivedAt) {
    const popped = poppedNoEarlierThan.get(body) ?? Infinity;
    assert.ok(
      at >= popped + INVISIBLE_MS,
      `${body} came again ${at - popped} ms after it was popped, before its ${INVISIBLE_MS} ms invisible time`,
    );
  }
  const expected = got.filter((m) => !acked.includes(m)).map((m) => m.body.toString());
  assert.deepEqual(
    back.map((m) => m.body.toString()).sort(),
    expected.sort(),
    'exactly the unacknowledged ones',
  );
  assert.ok(
    back.every((m) => m.deliveryAttempt === 2),
    'handed out again with the attempt raised',
  );
  await again.ack(back);
  assert.deepEqual(await again.receive(32, 30000), [], 'nothing more');
});
