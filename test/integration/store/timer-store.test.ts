import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord } from '../../../src/common/message/message-ext-codec.ts';
import { SystemTopic } from '../../../src/common/constants/topic-validator.ts';
import type { MessageStore } from '../../../src/store/message-store.ts';
import { makeMessage, openStore } from '../../helpers/store-fixtures.ts';
import { waitUntil } from '../../helpers/wait-for.ts';

/** A message in the timer topic as the broker stores it: due time in TIMER_OUT_MS and the tags code. */
function timerMessage(body: string, deliverMs: number): ReturnType<typeof makeMessage> {
  return {
    ...makeMessage({
      topic: SystemTopic.TIMER,
      body,
      properties: { TIMER_OUT_MS: String(deliverMs), REAL_TOPIC: 'Real', REAL_QID: '0' },
    }),
    tagsCode: deliverMs,
  };
}

interface Delivered {
  body: string;
  at: number;
  due: number;
}

/** Starts the wheel with a delivery callback that records what came due and when. */
function collect(store: MessageStore, chunks: number[] = []): Delivered[] {
  const got: Delivered[] = [];
  store.timer?.start((records) => {
    chunks.push(records.length);
    for (const r of records) {
      const m = decodeRecord(r);
      got.push({
        body: m.body.toString(),
        at: Date.now(),
        due: Number(m.properties.get('TIMER_OUT_MS')),
      });
    }
    return Promise.resolve();
  });
  return got;
}

const timerConfig = { timerPrecisionMs: 100, timerFlushIntervalMs: 100 };

test('timer messages come due no earlier than their time and within the precision plus a second', async (t) => {
  const { store } = await openStore(t, timerConfig);
  const got = collect(store);
  const now = Date.now();
  const dues = [now + 250, now + 900, now + 40, now - 5000, now + 1300];
  for (const [i, due] of dues.entries()) await store.putMessage(timerMessage(`t${i}`, due));
  await waitUntil(() => got.length === dues.length, 5000, 'every timer message comes due');
  for (const d of got) {
    assert.ok(d.at >= d.due, `${d.body} came ${d.due - d.at} ms early`);
    assert.ok(d.at - Math.max(d.due, now) < 100 + 1000, `${d.body} came ${d.at - d.due} ms late`);
  }
  // t2 (40 ms) and t3 (already past) come first, in either order; then by due time.
  const order = got.map((d) => d.body);
  assert.deepEqual([...order.slice(0, 2)].sort(), ['t2', 't3']);
  assert.deepEqual(order.slice(2), ['t0', 't1', 't4']);
  await waitUntil(() => store.timer?.stats.pending === 0, 2000, 'the wheel empties');
});

test('a crowded slot is handed over in bounded chunks, yielding to other work between them', async (t) => {
  const { store } = await openStore(t, {
    ...timerConfig,
    mappedFileSizeCommitLog: 4 * 1024 * 1024,
  });
  const chunks: number[] = [];
  const got = collect(store, chunks);
  const due = Date.now() + 300;
  const puts = [];
  for (let i = 0; i < 2000; i++) puts.push(store.putMessage(timerMessage(`c${i}`, due)));
  await Promise.all(puts);
  // Work queued while the slot is delivered runs before the slot is done.
  let otherWorkRanAt = -1;
  await waitUntil(() => got.length > 0, 5000, 'the slot starts');
  setImmediate(() => (otherWorkRanAt = got.length));
  await waitUntil(() => got.length === 2000, 10000, 'the whole slot comes due');
  assert.ok(chunks.length >= 8 && chunks.every((n) => n <= 256), `chunks: ${chunks.join(',')}`);
  assert.ok(otherWorkRanAt > 0 && otherWorkRanAt < 2000, `other work ran after ${otherWorkRanAt}`);
  assert.deepEqual(
    got.map((d) => d.body),
    Array.from({ length: 2000 }, (_v, i) => `c${i}`),
    'a slot comes due in arrival order',
  );
});

test('a message due beyond the wheel window waits in its last slot and is rolled forward', async (t) => {
  // 16 slots of 100 ms: the wheel spans 1.6 s.
  const { store } = await openStore(t, { ...timerConfig, timerRollWindowSlots: 16 });
  const got = collect(store);
  const due = Date.now() + 3500;
  await store.putMessage(timerMessage('far', due));
  await waitUntil(() => got.length === 1, 8000, 'the far message comes due');
  assert.ok((got[0]?.at ?? 0) >= due, 'not early');
  assert.ok((got[0]?.at ?? 0) - due < 1100, 'within precision + 1 s');
  assert.ok((store.timer?.stats.rolled ?? 0) >= 2, `rolled ${store.timer?.stats.rolled} times`);
});

test('pending timers survive a restart: the wheel is rebuilt from the timer log and nothing repeats', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rmq-timer-restart-'));
  const first = await openStoreAt(t, root);
  const got1 = collect(first);
  const now = Date.now();
  await first.putMessage(timerMessage('early', now + 100));
  for (let i = 0; i < 50; i++) await first.putMessage(timerMessage(`late${i}`, now + 1500));
  await waitUntil(() => got1.length === 1, 5000, 'the early one comes due before the stop');
  await first.shutdown();
  assert.ok(readdirSync(join(root, 'timerlog')).length >= 1, 'the timer log is on disk');

  const second = await openStoreAt(t, root);
  t.after(() => rmSync(root, { recursive: true, force: true })); // after both stores' shutdown hooks
  assert.equal(second.timer?.stats.pending, 50, 'the wheel is rebuilt with the pending ones');
  const got2 = collect(second);
  await waitUntil(() => got2.length === 50, 5000, 'the pending ones come due after the restart');
  assert.ok(got2.every((d) => d.at >= d.due));
  assert.ok(
    !got2.some((d) => d.body === 'early'),
    'the one delivered before the stop does not repeat',
  );
});

test('timer log files wholly delivered are deleted; the one being written stays', async (t) => {
  // 128 records per timer log file.
  const { store, root } = await openStore(t, { ...timerConfig, mappedFileSizeTimerLog: 4096 });
  const got = collect(store);
  const due = Date.now() + 200;
  for (let i = 0; i < 300; i++) await store.putMessage(timerMessage(`r${i}`, due));
  await waitUntil(() => got.length === 300, 5000, 'all come due');
  await waitUntil(
    () => readdirSync(join(root, 'timerlog')).length === 1,
    5000,
    'delivered timer log files are deleted at the next checkpoint',
  );
});

async function openStoreAt(
  t: Parameters<typeof openStore>[0],
  root: string,
): Promise<MessageStore> {
  return (await openStore(t, timerConfig, root)).store;
}

test('a timer due weeks ahead waits in the wheel (rolled) without overflowing its record', async (t) => {
  const { store } = await openStore(t, { ...timerConfig, timerRollWindowSlots: 16 });
  const got = collect(store);
  await store.putMessage(timerMessage('far-far', Date.now() + 30 * 86400 * 1000));
  await store.putMessage(timerMessage('soon', Date.now() + 200));
  await waitUntil(() => got.length === 1, 5000, 'the near one comes due');
  assert.equal(got[0]?.body, 'soon');
  await waitUntil(() => (store.timer?.stats.rolled ?? 0) >= 1, 5000, 'the far one rolls forward');
  assert.equal(store.timer?.stats.pending, 1, 'the far one is still pending');
});

test('a store with pending timers refuses to start when the wheel shape changed', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rmq-timer-shape-'));
  const first = await openStoreAt(t, root);
  collect(first);
  await first.putMessage(timerMessage('pending', Date.now() + 60000));
  await waitUntil(() => first.timer?.stats.pending === 1, 5000, 'the timer is in the wheel');
  await first.shutdown();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await assert.rejects(
    openStore(t, { ...timerConfig, timerPrecisionMs: 200 }, root),
    /1 timer messages are pending in a wheel of 172800 slots of 100 ms, but timerRollWindowSlots=172800 and timerPrecisionMs=200 now/,
  );
});
