import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { PageCacheWarmer } from '../../../src/store/segment/page-cache-warmer.ts';
import { SegmentFile } from '../../../src/store/segment/segment-file.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

test('the page-cache warmer reads ahead of appends without changing a byte, and stop() waits for its read', async (t) => {
  const dir = tempDir(t);
  const size = 8 * 1024 * 1024;
  const segment = SegmentFile.create(dir, 0, size);
  t.after(() => segment.close());
  const data = Buffer.alloc(3 * 1024 * 1024, 0x5a);
  segment.write(data, 0, data.length, 0);
  const warmer = new PageCacheWarmer(64 * 1024 * 1024, pino({ level: 'silent' }));
  // Appends keep landing while it warms: the region it reads overlaps what is being written.
  warmer.advance(segment, 1024 * 1024);
  segment.write(data, 0, 1024 * 1024, 3 * 1024 * 1024);
  warmer.advance(segment, 4 * 1024 * 1024);
  await warmer.stop();
  warmer.advance(segment, 5 * 1024 * 1024); // after stop: does nothing
  const file = readFileSync(segment.path);
  assert.equal(file.length, size);
  assert.ok(file.subarray(0, 4 * 1024 * 1024).every((b) => b === 0x5a));
  assert.ok(file.subarray(4 * 1024 * 1024).every((b) => b === 0));
});
