/**
 * Interop with RocketMQ's own Go Remoting client (github.com/apache/rocketmq-client-go/v2 from the
 * Go module proxy, unmodified, at the version go/go.mod pins) against `rmq start`. The scenario
 * driver is go/main.go; each run prints JSON lines checked here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { launchStandalone, stop } from '../../bench/bench-util.ts';
import { AdminClient } from '../../src/admin/admin-client.ts';
import { uniqueName } from '../helpers/start-cluster.ts';
import { buildGoSuite, runGo, succeededRun } from '../helpers/go-toolchain.ts';

let broker: { child: ChildProcess; namesrv: string; broker: string } | undefined;
let root = '';
let admin: AdminClient | undefined;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rmq-go-interop-'));
  broker = await launchStandalone(root, [
    // Retries wait level 3 + reconsume times; short levels keep the retry scenario short.
    `--messageDelayLevel=${Array.from({ length: 18 }, (_v, i) => `${(i + 1) * 100}ms`).join(' ')}`,
    '--transactionTimeOut=500',
    '--transactionCheckInterval=500',
  ]);
  admin = new AdminClient({ namesrvAddr: broker.namesrv });
});

after(async () => {
  await admin?.shutdown();
  if (broker) await stop(broker.child);
  rmSync(root, { recursive: true, force: true });
});

interface Sent {
  sent: string;
  status?: string;
  msgId?: string;
  offsetMsgId?: string;
  queueId?: number;
  queueOffset?: number;
}

interface Received {
  received: string;
  topic: string;
  body: string;
  tags: string;
  keys: string;
  msgId: string;
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  n: string;
  kind: string;
  storedAt: number;
}

const received = (events: Record<string, unknown>[]): Received[] =>
  events.filter((e) => 'received' in e) as unknown as Received[];
const sent = (events: Record<string, unknown>[]): Sent[] =>
  events.filter((e) => 'sent' in e) as unknown as Sent[];

/** Runs one scenario of the driver; throws with its output when it fails. */
async function scenario(
  name: string,
  topic: string,
  group: string,
  count: number,
  extra = '',
): Promise<Record<string, unknown>[]> {
  if (!broker) throw new Error('the broker did not start');
  const binary = buildGoSuite();
  const args = [name, broker.namesrv, topic, group, String(count), ...(extra ? [extra] : [])];
  return succeededRun(
    await runGo(binary, args, { timeoutMs: 90000 }),
    `${name} with the Go client`,
  );
}

const KINDS = ['sync', 'async', 'oneway', 'batch'] as const;

test('SendSync, SendAsync, SendOneWay and a batch are SEND_OK with unique queue offsets, and a push consumer gets each once with its tag, keys, body and properties', async () => {
  const topic = uniqueName('GoSends');
  const produced = sent(await scenario('produce', topic, uniqueName('PID'), 4));
  assert.equal(produced.length, 4 * 3 + 1, 'every sync, async and oneway send and the batch');
  for (const s of produced.filter((x) => x.sent !== 'oneway'))
    assert.equal(s.status, 'SEND_OK', JSON.stringify(s));
  const batch = produced.find((s) => s.sent === 'batch');
  assert.ok(batch, 'the batch was sent');
  // A batch answers its first queue offset; its messages take that one and the next three.
  const slots = produced
    .filter((s) => s.sent === 'sync' || s.sent === 'async')
    .map((s) => `${s.queueId}@${s.queueOffset}`);
  for (let i = 0; i < 4; i++) slots.push(`${batch.queueId}@${(batch.queueOffset ?? 0) + i}`);
  assert.equal(new Set(slots).size, slots.length, `queue offsets are unique: ${slots.join(' ')}`);

  const group = uniqueName('GID');
  const got = received(await scenario('consume', topic, group, 16));
  assert.deepEqual(
    got.map((m) => m.body).sort(),
    KINDS.flatMap((k) => [0, 1, 2, 3].map((i) => `${k}-${i}`)).sort(),
    'each message once',
  );
  for (const m of got) {
    const i = Number(m.n);
    assert.equal(m.body, `${m.kind}-${i}`);
    assert.equal(m.tags, i % 2 === 0 ? 'TagA' : 'TagB', m.body);
    assert.equal(m.keys, `${m.kind}-key-${i}`, m.body);
    assert.equal(m.topic, topic);
    assert.equal(m.reconsumeTimes, 0);
  }
  const consumedSlots = got.map((m) => `${m.queueId}@${m.queueOffset}`);
  assert.equal(new Set(consumedSlots).size, 16, 'each message has its own queue offset');
  for (const kind of ['sync', 'async'] as const) {
    const ids = new Map(produced.filter((s) => s.sent === kind).map((s) => [s.msgId, s]));
    for (const m of got.filter((x) => x.kind === kind)) {
      const s = ids.get(m.msgId);
      assert.ok(s, `the consumer sees the msgId the producer got: ${m.msgId}`);
      assert.equal(m.offsetMsgId, s.offsetMsgId, `${m.body}: offset message id`);
      assert.equal(`${m.queueId}@${m.queueOffset}`, `${s.queueId}@${s.queueOffset}`, m.body);
    }
  }
  // The batch answers the offset message ids of its messages, in order, comma-separated.
  const batchIds = (batch.offsetMsgId ?? '').split(',');
  const batched = got.filter((m) => m.kind === 'batch').sort((a, b) => Number(a.n) - Number(b.n));
  assert.deepEqual(
    batched.map((m) => m.offsetMsgId),
    batchIds,
    'the batch ids are its messages',
  );
  assert.deepEqual(
    batched.map((m) => `${m.queueId}@${m.queueOffset}`),
    [0, 1, 2, 3].map((i) => `${batch.queueId}@${(batch.queueOffset ?? 0) + i}`),
  );

  // The consumer committed its offsets when it shut down: the group starts after them.
  assert.deepEqual(received(await scenario('consume', topic, group, 0)), []);
});

test('a push consumer with a tag selector receives only that tag', async () => {
  const topic = uniqueName('GoTag');
  await scenario('produce', topic, uniqueName('PID'), 4);
  const [tagA, tagB] = await Promise.all([
    scenario('consume', topic, uniqueName('GID'), 8, 'TagA'),
    scenario('consume', topic, uniqueName('GID'), 8, 'TagB'),
  ]);
  for (const [tag, events] of [
    ['TagA', tagA],
    ['TagB', tagB],
  ] as const) {
    const got = received(events);
    assert.equal(got.length, 8, `${tag}: ${got.map((m) => m.body).join(' ')}`);
    assert.ok(
      got.every((m) => m.tags === tag),
      got.map((m) => `${m.body}:${m.tags}`).join(' '),
    );
    const parity = tag === 'TagA' ? 0 : 1;
    assert.deepEqual(
      got.map((m) => m.body).sort(),
      KINDS.flatMap((k) => [parity, parity + 2].map((i) => `${k}-${i}`)).sort(),
    );
  }
});

test('a transaction producer: commits are delivered, rollbacks never, and unknown ones after the broker checks back', async () => {
  const topic = uniqueName('GoTx');
  const events = await scenario('transaction', topic, uniqueName('TPID'), 6);
  for (const s of sent(events)) assert.equal(s.status, 'SEND_OK', JSON.stringify(s));
  const checked = events.filter((e) => 'checked' in e) as { checked: string; checkedAt: number }[];
  assert.deepEqual(
    checked.map((e) => e.checked).sort(),
    ['2', '5'],
    'the broker checked back exactly the unknown ones',
  );
  assert.deepEqual(
    events.find((e) => 'checks' in e)?.checks,
    { '2': 1, '5': 1 },
    'once each: a message resolved by its check-back is not checked again',
  );
  const got = received(await scenario('consume', topic, uniqueName('GID'), 4));
  assert.deepEqual(got.map((m) => m.body).sort(), ['tx-0', 'tx-2', 'tx-3', 'tx-5']);
  const checkedAt = new Map(checked.map((e) => [e.checked, e.checkedAt]));
  for (const m of got) {
    const at = checkedAt.get(m.n);
    if (at === undefined)
      assert.ok(
        m.storedAt < Math.min(...checkedAt.values()),
        `${m.body} was committed at once, before any check-back`,
      );
    else assert.ok(m.storedAt >= at, `${m.body} was stored ${at - m.storedAt} ms before its check`);
  }
});

test('ConsumeRetryLater redelivers with a growing ReconsumeTimes, and after the max the message is in %DLQ%group', async () => {
  const topic = uniqueName('GoRetry');
  const group = uniqueName('GID');
  // The group has run once before, so its retry topic exists when the retrying consumer
  // starts: the Go client looks routes up every 30 s and rebalances every 20 s, and a consumer
  // that starts before its retry topic exists pulls that topic only after both (20 to 40 s).
  const a = admin as AdminClient;
  await a.updateTopic([(broker as { broker: string }).broker], { topic, writeQueueNums: 4 });
  assert.deepEqual(received(await scenario('consume', topic, group, 0)), []);
  assert.equal((await a.topicStatus(`%RETRY%${group}`)).length, 1, 'the heartbeat made it');
  await scenario('produce', topic, uniqueName('PID'), 1);
  // 4 messages (sync, async, oneway, batch of one), each delivered 1 + 2 times.
  const got = received(await scenario('consume-retry', topic, group, 4, '2'));
  const bodies = KINDS.map((k) => `${k}-0`);
  for (const body of bodies) {
    const times = got.filter((m) => m.body === body).map((m) => m.reconsumeTimes);
    assert.deepEqual(times, [0, 1, 2], `${body} delivered with ReconsumeTimes 0, 1, 2`);
  }
  assert.ok(
    got.every((m) => m.topic === topic),
    'a redelivery carries its original topic',
  );
  const stats = await (admin as AdminClient).topicStatus(`%DLQ%${group}`);
  assert.equal(
    stats.reduce((n, q) => n + q.maxOffset - q.minOffset, 0),
    4,
    'every message ends in the DLQ',
  );
  const dead = received(await scenario('consume', `%DLQ%${group}`, uniqueName('GID'), 4));
  assert.deepEqual(dead.map((m) => m.body).sort(), [...bodies].sort());
  for (const m of dead) assert.equal(m.keys, `${m.kind}-key-0`, `${m.body} keeps its keys`);
});
