import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type ReceivedMessage } from '../../src/client/index.ts';
import { crashableStandalone } from '../helpers/crashable-standalone.ts';

const TOPIC = 'PopKill';
const GROUP = 'GID_pop_kill';

test('POP acks and invisibility survive a broker kill -9: acknowledged messages never come again, the rest do', async (t) => {
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
  while (got.length < 30 && Date.now() < deadline) got.push(...(await consumer.receive(32, 4000)));
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
  const back: ReceivedMessage[] = [];
  const until = Date.now() + 20000;
  while (back.length < 15 && Date.now() < until) back.push(...(await again.receive(32, 30000)));
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
