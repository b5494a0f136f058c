import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
  readSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  checkRecord,
  decodeRecord,
  recordLayout,
} from '../../../src/common/message/message-ext-codec.ts';
import { GetMessageStatus, PutMessageStatus } from '../../../src/store/api.ts';
import { MessageStore } from '../../../src/store/message-store.ts';
import { makeMessage, smallStoreConfig } from '../../helpers/store-fixtures.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

async function withStore<T>(root: string, fn: (store: MessageStore) => Promise<T> | T): Promise<T> {
  const store = new MessageStore({ config: smallStoreConfig(root) });
  await store.start();
  try {
    return await fn(store);
  } finally {
    await store.shutdown();
  }
}

/** Writes `n` messages with keys and returns their physical offsets and sizes. */
async function fill(
  store: MessageStore,
  n: number,
  prefix = 'm',
): Promise<{ offset: number; size: number }[]> {
  const out: { offset: number; size: number }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await store.putMessage(
      makeMessage({
        body: `${prefix}${i}-${'x'.repeat((i * 37) % 900)}`,
        keys: `${prefix}${i}`,
        queueId: i % 2,
      }),
    );
    assert.equal(r.status, PutMessageStatus.PUT_OK);
    out.push({ offset: r.appendResult?.wroteOffset ?? -1, size: r.appendResult?.wroteBytes ?? 0 });
  }
  return out;
}

/** Leaves the on-disk state of a crash: the abort file present and no checkpoint to shorten the scan. */
function markCrashed(root: string): void {
  writeFileSync(join(root, 'abort'), '');
  rmSync(join(root, 'checkpoint'), { force: true });
}

function segmentPath(root: string, offset: number): string {
  const from = offset - (offset % (64 * 1024));
  return join(root, 'commitlog', String(from).padStart(20, '0'));
}

function bodies(store: MessageStore, queueId: number): string[] {
  const got = store.getMessage({ topic: 'TopicTest', queueId, offset: 0, maxMsgNums: 1000 });
  return got.messages.map((m) => decodeRecord(m).body.toString().split('-')[0] ?? '');
}

test('a clean restart recovers from the checkpoint without scanning the CommitLog', async (t) => {
  const root = tempDir(t, 'rmq-recovery-');
  await withStore(root, (s) => fill(s, 200));
  await withStore(root, (store) => {
    const report = store.recoveryReport;
    assert.equal(report?.mode, 'clean');
    assert.equal(report?.scannedBytes, 0);
    assert.equal(report?.redispatched, 0);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 0), 100);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 1), 100);
    assert.equal(bodies(store, 1)[99], 'm199');
  });
});

test('recovery truncates a torn last record and the ConsumeQueue unit and index entry that point at it', async (t) => {
  const root = tempDir(t, 'rmq-recovery-');
  const written = await withStore(root, (s) => fill(s, 40));
  const last = written[written.length - 1] as { offset: number; size: number };
  // Tear the last record: its second half never reached the disk.
  const fd = openSync(segmentPath(root, last.offset), 'r+');
  const half = Math.floor(last.size / 2);
  writeSync(fd, Buffer.alloc(last.size - half), 0, last.size - half, (last.offset % 65536) + half);
  closeSync(fd);
  markCrashed(root);
  await withStore(root, async (store) => {
    const report = store.recoveryReport;
    assert.equal(report?.mode, 'crash');
    assert.equal(report?.endOffset, last.offset);
    assert.equal(store.getMaxPhyOffset(), last.offset);
    assert.equal(
      store.getMaxOffsetInQueue('TopicTest', 1),
      19,
      'the torn message m39 (queue 1) is gone',
    );
    assert.equal(store.queryMessage('TopicTest', 'm39', 10, 0, Date.now()).messages.length, 0);
    assert.equal(store.queryMessage('TopicTest', 'm38', 10, 0, Date.now()).messages.length, 1);
    // The next append takes the torn message's queue offset and place.
    const r = await store.putMessage(makeMessage({ body: 'after-crash', queueId: 1, keys: 'm39' }));
    assert.equal(r.appendResult?.logicsOffset, 19);
    assert.equal(r.appendResult?.wroteOffset, last.offset);
  });
  await withStore(root, (store) => {
    assert.equal(store.recoveryReport?.mode, 'clean');
    assert.equal(bodies(store, 1).at(-1), 'after');
    const found = store.queryMessage('TopicTest', 'm39', 10, 0, Date.now()).messages;
    assert.deepEqual(
      found.map((m) => decodeRecord(m).body.toString()),
      ['after-crash'],
    );
  });
});

test('recovery truncates a garbage tail, including a stale copy of a valid record, and never resurrects it', async (t) => {
  const root = tempDir(t, 'rmq-recovery-');
  const written = await withStore(root, (s) => fill(s, 30));
  const last = written[written.length - 1] as { offset: number; size: number };
  const end = last.offset + last.size;
  const first = written[0] as { offset: number; size: number };
  const fd = openSync(segmentPath(root, first.offset), 'r+');
  const copy = Buffer.alloc(first.size);
  readSync(fd, copy, 0, first.size, first.offset);
  const garbage = Buffer.concat([
    copy,
    Buffer.from(Array.from({ length: 3000 }, (_v, i) => (i * 131 + 7) & 0xff)),
  ]);
  writeSync(fd, garbage, 0, garbage.length, end % 65536);
  closeSync(fd);
  markCrashed(root);
  await withStore(root, async (store) => {
    assert.equal(store.recoveryReport?.endOffset, end);
    assert.match(store.recoveryReport?.stopReason ?? '', /stale record claims offset 0/);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 0), 15);
    await store.putMessage(makeMessage({ body: 'short', queueId: 0 }));
  });
  markCrashed(root);
  await withStore(root, (store) => {
    assert.equal(
      store.getMaxOffsetInQueue('TopicTest', 0),
      16,
      'no record beyond the new one came back',
    );
    assert.equal(bodies(store, 0).at(-1), 'short');
  });
});

test('recovery rebuilds lost ConsumeQueues and IndexFiles from the CommitLog', async (t) => {
  const root = tempDir(t, 'rmq-recovery-');
  await withStore(root, (s) => fill(s, 120));
  rmSync(join(root, 'consumequeue'), { recursive: true });
  rmSync(join(root, 'index'), { recursive: true });
  await withStore(root, (store) => {
    assert.equal(store.recoveryReport?.redispatched, 120);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 0), 60);
    assert.deepEqual(bodies(store, 0).slice(0, 3), ['m0', 'm2', 'm4']);
    assert.equal(store.queryMessage('TopicTest', 'm77', 5, 0, Date.now()).messages.length, 1);
    assert.equal(
      store.getMessage({ topic: 'TopicTest', queueId: 1, offset: 0, maxMsgNums: 500 }).status,
      GetMessageStatus.FOUND,
    );
  });
  assert.ok(readdirSync(join(root, 'consumequeue', 'TopicTest')).length === 2);
});

test('recovery with CRC checking truncates from a record whose body was corrupted with its lengths intact', async (t) => {
  const root = tempDir(t, 'rmq-recovery-');
  const written = await withStore(root, (s) => fill(s, 40));
  const bad = written[20] as { offset: number; size: number };
  const last = written.at(-1) as { offset: number; size: number };
  assert.equal(
    segmentPath(root, bad.offset),
    segmentPath(root, last.offset),
    'the truncation point lies inside the segment, with valid records after it',
  );
  // A bit flip in the body leaves magic code, sizes and offsets valid: only the CRC can tell.
  const fd = openSync(segmentPath(root, bad.offset), 'r+');
  const record = Buffer.alloc(bad.size);
  readSync(fd, record, 0, bad.size, bad.offset % 65536);
  const original = decodeRecord(record, 0, true);
  assert.equal(original.body.toString().split('-')[0], 'm20');
  const bodyAt = recordLayout(original.sysFlag).body + 10;
  record[bodyAt] = (record[bodyAt] as number) ^ 0x01;
  writeSync(fd, record, bodyAt, 1, (bad.offset % 65536) + bodyAt);
  closeSync(fd);
  assert.ok(checkRecord(record, 0, record.length, false).ok, 'only the body CRC is wrong');
  markCrashed(root);
  await withStore(root, async (store) => {
    assert.equal(store.config.checkCRCOnRecover, true, 'recovery verifies body CRCs by default');
    const report = store.recoveryReport;
    assert.equal(report?.mode, 'crash');
    assert.equal(
      report?.endOffset,
      bad.offset,
      'the CommitLog ends where the corrupted record began',
    );
    assert.match(report?.stopReason ?? '', /body CRC mismatch/);
    assert.equal(store.getMaxPhyOffset(), bad.offset);
    assert.equal(store.lookMessageByOffset(bad.offset), undefined);
    assert.equal(
      store.lookMessageByOffset((written[30] as { offset: number }).offset),
      undefined,
      'a valid record after the corrupted one is cut off with it',
    );
    // m20 was queue 0's 11th message; m0..m19 alternate between the two queues.
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 0), 10);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 1), 10);
    assert.deepEqual(
      bodies(store, 0),
      Array.from({ length: 10 }, (_v, i) => `m${2 * i}`),
    );
    assert.deepEqual(
      bodies(store, 1),
      Array.from({ length: 10 }, (_v, i) => `m${2 * i + 1}`),
    );
    for (let i = 0; i < 40; i++) {
      const found = store.queryMessage('TopicTest', `m${i}`, 10, 0, Date.now()).messages;
      assert.equal(found.length, i < 20 ? 1 : 0, `index entries for m${i}`);
    }
    // Lookups above would also miss an entry left pointing past the end; the index's own end cannot.
    assert.equal(
      store.queryMessage('TopicTest', 'm0', 1, 0, Date.now()).indexLastUpdatePhyoffset,
      (written[19] as { offset: number }).offset,
      'the index ends at the last record before the corrupted one',
    );
    const r = await store.putMessage(makeMessage({ body: 'after-crc', queueId: 0, keys: 'm20' }));
    assert.equal(r.appendResult?.wroteOffset, bad.offset);
    assert.equal(r.appendResult?.logicsOffset, 10);
  });
});
