import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { IndexService } from '../../../src/store/index/index-service.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const T0 = 1_700_000_000_000;
const SECOND = 1000;

test('an IndexFile query returns only the entries of its key stored inside the time window', (t) => {
  const dir = tempDir(t, 'rmq-index-');
  // One hash slot: every key chains through the same slot, so the walk meets entries of both keys
  // and of every age, and only the per-entry checks decide what is returned.
  const open = (): IndexService => {
    const index = new IndexService(dir, 1, 100);
    index.load(false);
    return index;
  };
  const index = open();
  const stored = [0, 10, 20, 30, 40].map((s, i) => ({
    at: T0 + s * SECOND,
    offset: 1000 * (i + 1),
  }));
  for (const e of stored) {
    index.put('TopicTest', 'order-7', undefined, e.offset, e.at);
    index.put('TopicTest', 'other', undefined, e.offset + 1, e.at);
  }
  const inWindow = (svc: IndexService): number[] =>
    svc.query('TopicTest', 'order-7', 100, T0 + 10 * SECOND, T0 + 30 * SECOND).phyOffsets;

  assert.equal(readdirSync(dir).length, 1, 'all entries are in one IndexFile');
  // Newest first: 30 s, 20 s, 10 s; the entries at 0 s and 40 s are outside the window.
  assert.deepEqual(inWindow(index), [4000, 3000, 2000]);
  assert.deepEqual(
    index.query('TopicTest', 'order-7', 100, T0, T0 + 40 * SECOND).phyOffsets,
    [5000, 4000, 3000, 2000, 1000],
  );
  // Entries in memory and entries read back from the file are filtered alike.
  index.close();
  const reopened = open();
  t.after(() => reopened.close());
  assert.deepEqual(inWindow(reopened), [4000, 3000, 2000]);
});
