import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWorkload } from '../../../bench/peers/run-workload.ts';
import { startCluster } from '../../helpers/start-cluster.ts';

test('the bench:peers workload against rocketmq-ts produces every phase and reads back all it pipelined', async (t) => {
  const cluster = await startCluster(t);
  const common = { namesrv: cluster.namesrvAddr, seconds: 20, size: 1024 };
  const produced = await runWorkload(
    'rocketmq-ts.ts',
    { ...common, phases: 'sync,pipe,batch', count: 200, pipeCount: 640, window: 128 },
    60000,
  );
  assert.deepEqual(
    produced.map((p) => [p.phase, p.msgs]),
    [
      ['sync', 200],
      ['pipe', 640],
      ['batch', 640],
    ],
  );
  for (const p of produced) assert.ok(p.rate > 0 && p.secs > 0, JSON.stringify(p));
  const sync = produced[0];
  assert.ok(sync?.p50_us !== undefined && sync.p99_us !== undefined && sync.p50_us <= sync.p99_us);
  // The pipelined topic holds the warm-up message too: the reader stops at what it was asked.
  const [read] = await runWorkload(
    'rocketmq-ts.ts',
    { ...common, phases: 'read', count: 640, expected: 641 },
    60000,
  );
  assert.equal(read?.phase, 'read');
  assert.equal(read.msgs >= 640, true, `read ${read.msgs}`);
  assert.equal(read.expected, 641);
});
