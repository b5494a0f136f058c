import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { PageCacheWarmer } from '../../../src/store/segment/page-cache-warmer.ts';
import { SegmentFile } from '../../../src/store/segment/segment-file.ts';
import { latch } from '../../helpers/latch.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitUntil } from '../../helpers/wait-for.ts';

const MiB = 1024 * 1024;
const silent = pino({ level: 'silent' });

interface WatchedReads {
  /** Completed reads as [from, to) file positions, in completion order. */
  readonly done: [number, number][];
  readonly inFlight: number;
  /** Where contiguous completed reads starting at `from` reach. */
  coveredTo(from: number): number;
}

/**
 * Page-cache residency is not visible from Node, so the test watches the warmer's reads instead:
 * the segment's pool reads stay real, and each one is recorded once it has returned its bytes.
 * `gate`, when given, holds every read's completion until it resolves.
 */
function watchReads(
  segment: SegmentFile,
  gate?: Promise<void>,
  started?: () => void,
): WatchedReads {
  const done: [number, number][] = [];
  let inFlight = 0;
  const real = segment.readAsync.bind(segment);
  segment.readAsync = async (buf, start, length, position) => {
    inFlight++;
    started?.();
    try {
      const n = await real(buf, start, length, position);
      await gate;
      done.push([position, position + n]);
      return n;
    } finally {
      inFlight--;
    }
  };
  return {
    done,
    get inFlight() {
      return inFlight;
    },
    coveredTo(from) {
      let to = from;
      for (const [a, b] of [...done].sort((x, y) => x[0] - y[0])) if (a <= to && b > to) to = b;
      return to;
    },
  };
}

test('the page-cache warmer reads every page ahead of the append position to the segment end, without changing a byte', async (t) => {
  const dir = tempDir(t);
  const size = 8 * MiB;
  const segment = SegmentFile.create(dir, 0, size);
  t.after(() => segment.close());
  const reads = watchReads(segment);
  const data = Buffer.alloc(3 * MiB, 0x5a);
  segment.write(data, 0, data.length, 0);
  const warmer = new PageCacheWarmer(64 * MiB, silent);
  // Appends keep landing while it warms: the region it reads overlaps what is being written.
  warmer.advance(segment, MiB);
  segment.write(data, 0, MiB, 3 * MiB);
  warmer.advance(segment, 4 * MiB);
  // Pages below the newest append position were just written, so they are cached already.
  await waitUntil(
    () => reads.coveredTo(4 * MiB) === size,
    10_000,
    'the warmer read from the append position to the segment end',
  );
  await warmer.stop();
  assert.ok(
    reads.done.every(([from, to]) => from >= MiB && to <= size),
    `reads stay between the append position and the segment end: ${JSON.stringify(reads.done)}`,
  );
  const file = readFileSync(segment.path);
  assert.equal(file.length, size);
  assert.ok(file.subarray(0, 4 * MiB).every((b) => b === 0x5a));
  assert.ok(file.subarray(4 * MiB).every((b) => b === 0));
});

test('the page-cache warmer keeps aheadBytes warm beyond the append position and follows it as appends advance', async (t) => {
  const dir = tempDir(t);
  const segment = SegmentFile.create(dir, 0, 8 * MiB);
  t.after(() => segment.close());
  const reads = watchReads(segment);
  const warmer = new PageCacheWarmer(2 * MiB, silent);
  t.after(() => warmer.stop());
  warmer.advance(segment, MiB);
  await waitUntil(() => reads.coveredTo(MiB) >= 3 * MiB, 10_000, 'the warmer read 2 MiB ahead');
  warmer.advance(segment, 2.5 * MiB);
  await waitUntil(
    () => reads.coveredTo(MiB) >= 4.5 * MiB,
    10_000,
    'the warmer followed the append position',
  );
  await warmer.stop();
  assert.deepEqual(
    reads.done.map(([from, to]) => [from / MiB, to / MiB]),
    [
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 4.5],
    ],
    'each page is read once and none beyond aheadBytes past the append position',
  );
});

test('the page-cache warmer stop() waits for the read in progress and warms nothing afterwards', async (t) => {
  const dir = tempDir(t);
  const segment = SegmentFile.create(dir, 0, 8 * MiB);
  t.after(() => segment.close());
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const started = latch(1, 10_000, 'the first warming read');
  const reads = watchReads(segment, gate, () => started.countDown());
  const warmer = new PageCacheWarmer(64 * MiB, silent);
  warmer.advance(segment, 0);
  await started.done;
  let stopped = false;
  const stopping = warmer.stop().then(() => {
    stopped = true;
    assert.equal(reads.inFlight, 0, 'no read is in progress once stop() resolves');
  });
  // A turn of the event loop: a stop() that did not wait would have resolved by now.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stopped, false, 'stop() resolved while a read was still in progress');
  open();
  await stopping;
  assert.deepEqual(reads.done, [[0, MiB]], 'the read in progress finished; no other began');
  warmer.advance(segment, 2 * MiB);
  assert.equal(reads.inFlight, 0, 'advance() after stop() starts no read');
});
