import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRecord } from '../../../src/common/message/message-ext-codec.ts';
import { GetMessageStatus, PutMessageStatus } from '../../../src/store/api.ts';
import type { MessageStore } from '../../../src/store/message-store.ts';
import { makeMessage, openStore } from '../../helpers/store-fixtures.ts';

const HOUR = 3600 * 1000;

/** ~590-byte records: about 110 per 64 KiB segment; two keys each, so ~200 per IndexFile. */
async function fillSegments(store: MessageStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await store.putMessage(
      makeMessage({ body: Buffer.alloc(500, i & 0xff), keys: `k${i} g${i % 7}` }),
    );
    assert.equal(r.status, PutMessageStatus.PUT_OK);
  }
}

function age(root: string, names: string[], hours: number): void {
  const when = (Date.now() - hours * HOUR) / 1000;
  for (const n of names) utimesSync(join(root, 'commitlog', n), when, when);
}

test('retention deletes expired segments with their ConsumeQueue and index files, and nothing unexpired', async (t) => {
  const { store, root } = await openStore(t, { fileReservedTime: 72 });
  await fillSegments(store, 555);
  const segments = readdirSync(join(root, 'commitlog')).sort();
  assert.ok(segments.length >= 5);
  // 555 units in files of 100 units: six ConsumeQueue files (the tail may not be written yet).
  const cqBefore = Math.ceil(store.getMaxOffsetInQueue('TopicTest', 0) / 100);
  const indexBefore = readdirSync(join(root, 'index')).length;
  // Segments 0-2 were last written 100 h ago; segment 3 holds unexpired data.
  age(root, segments.slice(0, 3), 100);
  age(root, segments.slice(3), 1);
  const report = store.cleanExpiredFiles(true);
  assert.equal(report.deletedSegments, 3);
  assert.deepEqual(readdirSync(join(root, 'commitlog')).sort(), segments.slice(3));
  assert.equal(store.getMinPhyOffset(), 3 * 65536);
  assert.ok(
    report.deletedConsumeQueueFiles >= 2,
    `deleted ${report.deletedConsumeQueueFiles} queue files`,
  );
  assert.ok(readdirSync(join(root, 'consumequeue', 'TopicTest', '0')).length < cqBefore);
  assert.ok(report.deletedIndexFiles >= 1 && readdirSync(join(root, 'index')).length < indexBefore);
  // A consumer behind the new start is told where data begins, and everything after it is intact.
  const min = store.getMinOffsetInQueue('TopicTest', 0);
  const old = store.getMessage({ topic: 'TopicTest', queueId: 0, offset: 0, maxMsgNums: 8 });
  assert.equal(old.status, GetMessageStatus.OFFSET_TOO_SMALL);
  assert.equal(old.nextBeginOffset, min);
  const rest = store.getMessage({ topic: 'TopicTest', queueId: 0, offset: min, maxMsgNums: 1000 });
  assert.equal(rest.messages.length, 555 - min);
  assert.ok(decodeRecord(rest.messages[0] as Buffer).commitLogOffset >= 3 * 65536);
  assert.equal(store.queryMessage('TopicTest', 'k554', 5, 0, Date.now()).messages.length, 1);
  assert.equal(store.queryMessage('TopicTest', 'k3', 5, 0, Date.now()).messages.length, 0);
});

test('retention waits for the deleteWhen hour unless the disk is above diskMaxUsedSpaceRatio', async (t) => {
  const offHour = String((new Date().getHours() + 12) % 24).padStart(2, '0');
  const { store, root } = await openStore(t, { deleteWhen: offHour });
  await fillSegments(store, 300);
  const segments = readdirSync(join(root, 'commitlog')).sort();
  age(root, segments, 100);
  const idle = store.cleanExpiredFiles(false);
  assert.equal(idle.trigger, 'none');
  assert.equal(idle.deletedSegments, 0);
  // The segment being written is never deleted, even when expired.
  const manual = store.cleanExpiredFiles(true);
  assert.equal(manual.deletedSegments, segments.length - 1);
  assert.deepEqual(readdirSync(join(root, 'commitlog')), segments.slice(-1));
});

test('retention deletes expired segments at any hour when the disk is above diskMaxUsedSpaceRatio', async (t) => {
  const offHour = String((new Date().getHours() + 12) % 24).padStart(2, '0');
  // This disk is more than 1% used: the ratio is exceeded for real.
  const { store, root } = await openStore(t, { deleteWhen: offHour, diskMaxUsedSpaceRatio: 1 });
  await fillSegments(store, 300);
  const segments = readdirSync(join(root, 'commitlog')).sort();
  age(root, segments.slice(0, 1), 100);
  const report = store.cleanExpiredFiles(false);
  assert.equal(report.trigger, 'disk');
  assert.equal(report.deletedSegments, 1);
});
