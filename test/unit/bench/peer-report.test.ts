import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChartSvg } from '../../../bench/peers/bar-chart-svg.ts';
import { renderBenchmarksMarkdown } from '../../../bench/peers/benchmarks-markdown.ts';
import type { MachineLimits } from '../../../bench/peers/machine-limits.ts';
import {
  median,
  medianFigures,
  summarize,
  type SystemFigures,
  type SystemSpec,
} from '../../../bench/peers/peer-report.ts';
import type { PhaseResult } from '../../../bench/peers/workload-kit.ts';

const phase = (p: PhaseResult['phase'], rate: number, p50 = 0): PhaseResult => ({
  phase: p,
  msgs: 1000,
  secs: 1,
  rate,
  p50_us: p50,
  p99_us: p50 * 2,
  client_pct: 50,
  server_pct: 40,
});

const limits: MachineLimits = {
  echo_rtt_p50_us: 60,
  echo_rtt_p99_us: 100,
  echo_rtt_per_s: 16000,
  echo_1000_inflight_per_s: 1_000_000,
  fdatasync_per_s: 9000,
  fdatasync_p50_us: 100,
  buffered_write_mb_s: 400,
};

const specs: SystemSpec[] = [
  { id: 'rocketmq-ts-async', label: 'ours async', durability: 'page-cache', ours: true },
  { id: 'rocketmq-ts-sync', label: 'ours sync', durability: 'fsync', ours: true },
  { id: 'p1', label: 'peer one', durability: 'page-cache', ours: false },
  { id: 'p2', label: 'peer two', durability: 'page-cache', ours: false },
  { id: 'p3', label: 'peer three', durability: 'fsync', ours: false },
];

const fig = (sync: number, pipe: number, read: number, batch?: number): SystemFigures => ({
  sync_msgs_s: sync,
  sync_p50_us: 100,
  sync_p99_us: 200,
  pipelined_msgs_s: pipe,
  consume_msgs_s: read,
  pipelined_cpu: { client_pct: 50, server_pct: 50 },
  ...(batch === undefined ? {} : { batch_msgs_s: batch }),
});

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), 0);
});

test('medianFigures takes each figure as the median over rounds, per phase', () => {
  const f = medianFigures([
    [phase('sync', 100, 50), phase('pipe', 1000), phase('read', 5000)],
    [phase('sync', 300, 70), phase('pipe', 3000), phase('read', 1000), phase('batch', 9)],
    [phase('sync', 200, 60), phase('pipe', 2000), phase('read', 3000), phase('batch', 7)],
  ]);
  assert.equal(f.sync_msgs_s, 200);
  assert.equal(f.sync_p50_us, 60);
  assert.equal(f.pipelined_msgs_s, 2000);
  assert.equal(f.consume_msgs_s, 3000);
  assert.equal(f.batch_msgs_s, 8);
});

test('ratios compare ours with the best peer of the same durability class; consume with any peer', () => {
  const figures = new Map<string, SystemFigures>([
    ['rocketmq-ts-async', fig(9000, 60000, 200000, 400000)],
    ['rocketmq-ts-sync', fig(4000, 50000, 190000)],
    ['p1', fig(6000, 30000, 100000)],
    ['p2', fig(3000, 40000, 150000)],
    ['p3', fig(8000, 25000, 400000)], // fastest overall, but in the fsync class
  ]);
  const workload = { syncCount: 10, pipeCount: 10, readCount: 10, seconds: 1 };
  const s = summarize(specs, figures, limits, {
    mode: 'quick',
    rounds: 3,
    bodySize: 1000,
    workload,
  });
  assert.equal(s.ratio_sync_page_cache, 1.5); // 9000 / p1's 6000, not p3's 8000
  assert.equal(s.best_peer.sync_page_cache, 'peer one');
  assert.equal(s.ratio_pipelined_page_cache, 1.5); // 60000 / p2's 40000
  assert.equal(s.ratio_sync_fsync, 0.5); // 4000 / 8000
  assert.equal(s.ratio_pipelined_fsync, 2);
  assert.equal(s.ratio_consume, 0.5); // 200000 / p3's 400000
  assert.equal(s.batch_msgs_s, 400000);
  assert.equal(s.limit_ratios.batch_vs_buffered_write, 1); // 400 MB/s of 400
  assert.equal(s.limit_ratios.sync_page_cache_p50_vs_echo_p50, 1.67);
  const svg = renderChartSvg(s);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<rect x=/g) ?? []).length, 3 + 2 + 3 + 2 + 3 + 5); // bars of the six panels
  const md = renderBenchmarksMarkdown(s);
  assert.match(md, /\| peer one \| page-cache \| 6000 \|/);
  assert.match(md, /\| sync send, page-cache ack \| 1\.5x \(p50 100 us\) \| peer one \|/);
});
