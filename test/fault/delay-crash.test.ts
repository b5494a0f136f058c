import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type MessageView, type PullConsumer } from '../../src/client/index.ts';
import { crashableStandalone } from '../helpers/crashable-standalone.ts';
import { waitUntil } from '../helpers/wait-for.ts';

const TOPIC = 'DelayKill';

/** How many times each body is readable from every queue of the topic, from offset 0. */
async function readAll(
  reader: PullConsumer,
  topic = TOPIC,
  seen?: (m: MessageView) => void,
): Promise<Map<string, number>> {
  const got = new Map<string, number>();
  for (const q of await reader.fetchSubscribeMessageQueues(topic).catch(() => [])) {
    for (let offset = 0; ;) {
      const r = await reader.pull(q, '*', offset, 32);
      for (const m of r.messages) {
        got.set(m.body.toString(), (got.get(m.body.toString()) ?? 0) + 1);
        seen?.(m);
      }
      if (r.pullStatus !== 'FOUND') break;
      offset = r.nextBeginOffset;
    }
  }
  return got;
}

test('delayed messages pending when the broker is killed with SIGKILL are all delivered after it restarts, none before its delay', async (t) => {
  const extraArgs = ['--mappedFileSizeCommitLog=4194304', '--messageDelayLevel=300ms 2s'];
  const broker = await crashableStandalone(t, 'rmq-delay-kill-', extraArgs);
  const first = broker.current;
  const c = createClient({
    namesrvAddr: first.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'delay-kill-producer',
  });
  const producer = c.createProducer({ producerGroup: 'PID_delay_kill' });
  await producer.start();
  const sent: string[] = [];
  const level1: string[] = [];
  for (let i = 0; i < 20; i++) {
    // Level 1 (300 ms) messages are delivered before the kill; level 2 (2 s) ones are still pending.
    const level = i % 2 === 0 ? '1' : '2';
    await producer.send({ topic: TOPIC, body: `d${i}`, properties: { DELAY: level } });
    sent.push(`d${i}`);
    if (level === '1') level1.push(`d${i}`);
  }
  await producer.shutdown();
  const before = c.createPullConsumer({ consumerGroup: 'GID_delay_kill_before' });
  await before.start();
  // Kill once level 1 has been delivered: its progress may or may not be persisted, either way.
  await waitUntil(
    async () => {
      const got = await readAll(before);
      return level1.every((b) => got.has(b));
    },
    15000,
    'the level-1 messages are delivered before the kill',
  );
  await before.shutdown();
  await c.shutdown();
  const second = await broker.killAndRestart();
  const c2 = createClient({
    namesrvAddr: second.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'delay-kill-reader',
  });
  const reader = c2.createPullConsumer({ consumerGroup: 'GID_delay_kill' });
  await reader.start();
  t.after(async () => {
    await reader.shutdown();
    await c2.shutdown();
  });
  let got = new Map<string, number>();
  const early: string[] = [];
  await waitUntil(
    async () => {
      early.length = 0;
      got = await readAll(reader, TOPIC, (m) => {
        // Stored under its topic only once its level's delay has passed since it was sent.
        const delay = Number(m.body.toString().slice(1)) % 2 === 0 ? 300 : 2000;
        if (m.storeTimestamp - m.bornTimestamp < delay)
          early.push(`${m.body.toString()} after ${m.storeTimestamp - m.bornTimestamp} ms`);
      });
      return got.size >= sent.length;
    },
    15000,
    'every delayed message is readable after the restart',
  );
  assert.deepEqual(
    [...got.keys()].sort(),
    [...sent].sort(),
    'every delayed message delivered after the kill',
  );
  assert.deepEqual(early, [], 'no delayed message delivered before its delay');
  const repeats = [...got.values()].filter((n) => n > 1).length;
  assert.ok(
    repeats <= 2,
    `${repeats} delivered twice: progress written after each delivery run repeats at most one run per level`,
  );
  console.log(
    `all ${sent.length} delayed messages delivered; ${repeats} delivered twice (at-least-once across the kill)`,
  );
});

test('timer messages pending when the broker is killed with SIGKILL are delivered after it restarts, none early, none twice', async (t) => {
  const topic = 'TimerKill';
  const extraArgs = ['--mappedFileSizeCommitLog=4194304', '--timerPrecisionMs=100'];
  const broker = await crashableStandalone(t, 'rmq-timer-kill-', extraArgs);
  const first = broker.current;
  const c = createClient({
    namesrvAddr: first.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'timer-kill-producer',
  });
  const producer = c.createProducer({ producerGroup: 'PID_timer_kill' });
  await producer.start();
  const early: string[] = [];
  const late: string[] = [];
  const base = Date.now();
  for (let i = 0; i < 40; i++) {
    // Early ones (300 ms) are delivered before the kill; late ones (3 s) are still in the wheel.
    const isEarly = i % 2 === 0;
    const body = `t${i}`;
    await producer.send({ topic, body, deliveryTimestamp: base + (isEarly ? 300 : 3000) });
    (isEarly ? early : late).push(body);
  }
  await producer.shutdown();
  const before = c.createPullConsumer({ consumerGroup: 'GID_timer_kill_before' });
  await before.start();
  await waitUntil(
    async () => {
      const got = await readAll(before, topic);
      return early.every((b) => got.has(b));
    },
    15000,
    'the early timers are delivered before the kill',
  );
  await before.shutdown();
  await c.shutdown();
  const second = await broker.killAndRestart();
  const c2 = createClient({
    namesrvAddr: second.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'timer-kill-reader',
  });
  const reader = c2.createPullConsumer({ consumerGroup: 'GID_timer_kill' });
  await reader.start();
  t.after(async () => {
    await reader.shutdown();
    await c2.shutdown();
  });
  let got = new Map<string, number>();
  let early_ = 0;
  await waitUntil(
    async () => {
      early_ = 0;
      got = await readAll(reader, topic, (m) => {
        if (m.storeTimestamp < Number(m.properties.get('TIMER_OUT_MS'))) early_++;
      });
      return late.every((b) => got.has(b));
    },
    15000,
    'every timer pending at the kill is delivered after the restart',
  );
  assert.deepEqual([...got.keys()].sort(), [...early, ...late].sort(), 'nothing lost');
  assert.equal(early_, 0, 'no timer message stored under its topic before it was due');
  const lateRepeats = late.filter((b) => got.get(b) !== 1);
  assert.deepEqual(lateRepeats, [], 'timers pending at the kill are delivered exactly once');
  const earlyRepeats = early.filter((b) => (got.get(b) ?? 0) > 1).length;
  console.log(
    `all ${got.size} timer messages delivered; ${earlyRepeats} of the ${early.length} delivered before the kill came again (at-least-once)`,
  );
});
