/**
 * Turns the rounds of bench:peers into figures: medians per system and phase, our ratio to the
 * best peer of each scenario and to the machine's limits, a text table and the JSON summary.
 */
import type { MachineLimits } from './machine-limits.ts';
import type { PhaseResult } from './workload-kit.ts';

export type DurabilityClass = 'page-cache' | 'fsync';

export interface SystemSpec {
  id: string;
  label: string;
  durability: DurabilityClass;
  ours: boolean;
}

/** Medians over the rounds of one system. */
export interface SystemFigures {
  sync_msgs_s: number;
  sync_p50_us: number;
  sync_p99_us: number;
  pipelined_msgs_s: number;
  consume_msgs_s: number;
  batch_msgs_s?: number;
  /** CPU of client / server in the pipelined phase, % of one core. */
  pipelined_cpu: { client_pct: number; server_pct: number | null };
}

/** What each round ran: message counts per phase and the per-phase time limit. */
export interface WorkloadParams {
  syncCount: number;
  pipeCount: number;
  readCount: number;
  seconds: number;
}

export interface Summary {
  bench: 'peers';
  mode: 'quick' | 'full';
  rounds: number;
  date: string;
  workload: WorkloadParams;
  limits: MachineLimits;
  systems: Record<string, SystemFigures & { label: string; durability: DurabilityClass }>;
  best_peer: Record<string, string>;
  ratio_sync_page_cache: number;
  ratio_sync_fsync: number;
  ratio_pipelined_page_cache: number;
  ratio_pipelined_fsync: number;
  ratio_consume: number;
  sync_page_cache_p50_us: number;
  batch_msgs_s: number;
  batch_mb_s: number;
  limit_ratios: Record<string, number>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Medians of each figure over rounds (each round: the phases one system printed). */
export function medianFigures(rounds: readonly PhaseResult[][]): SystemFigures {
  const of = (phase: PhaseResult['phase']): PhaseResult[] =>
    rounds.flatMap((r) => r.filter((p) => p.phase === phase));
  const m = (phase: PhaseResult['phase'], pick: (p: PhaseResult) => number | undefined): number =>
    Math.round(median(of(phase).map((p) => pick(p) ?? 0)));
  const pipe = of('pipe');
  const server = pipe.map((p) => p.server_pct).filter((x): x is number => x !== null);
  const figures: SystemFigures = {
    sync_msgs_s: m('sync', (p) => p.rate),
    sync_p50_us: m('sync', (p) => p.p50_us),
    sync_p99_us: m('sync', (p) => p.p99_us),
    pipelined_msgs_s: m('pipe', (p) => p.rate),
    consume_msgs_s: m('read', (p) => p.rate),
    pipelined_cpu: {
      client_pct: Math.round(median(pipe.map((p) => p.client_pct))),
      server_pct: server.length ? Math.round(median(server)) : null,
    },
  };
  if (of('batch').length) figures.batch_msgs_s = m('batch', (p) => p.rate);
  return figures;
}

export function summarize(
  specs: readonly SystemSpec[],
  figures: ReadonlyMap<string, SystemFigures>,
  limits: MachineLimits,
  meta: { mode: 'quick' | 'full'; rounds: number; bodySize: number; workload: WorkloadParams },
): Summary {
  const get = (id: string): SystemFigures => {
    const f = figures.get(id);
    if (!f) throw new Error(`no figures for ${id}`);
    return f;
  };
  const ours = (d: DurabilityClass): SystemFigures =>
    get(specs.find((s) => s.ours && s.durability === d)?.id ?? '');
  const best_peer: Record<string, string> = {};
  const ratio = (
    key: string,
    pick: (f: SystemFigures) => number,
    d: DurabilityClass | undefined,
    ourFigures: SystemFigures,
  ): number => {
    const peers = specs.filter((s) => !s.ours && (d === undefined || s.durability === d));
    let best = peers[0];
    for (const p of peers) if (best && pick(get(p.id)) > pick(get(best.id))) best = p;
    if (!best) return 0;
    best_peer[key] = best.label;
    const b = pick(get(best.id));
    return b > 0 ? round2(pick(ourFigures) / b) : 0;
  };
  const pc = ours('page-cache');
  const fs = ours('fsync');
  const batch = pc.batch_msgs_s ?? 0;
  const batchMb = (batch * meta.bodySize) / 1e6;
  const systems: Summary['systems'] = {};
  for (const s of specs) systems[s.id] = { label: s.label, durability: s.durability, ...get(s.id) };
  return {
    bench: 'peers',
    mode: meta.mode,
    rounds: meta.rounds,
    date: new Date().toISOString(),
    workload: meta.workload,
    limits,
    systems,
    best_peer,
    ratio_sync_page_cache: ratio('sync_page_cache', (f) => f.sync_msgs_s, 'page-cache', pc),
    ratio_sync_fsync: ratio('sync_fsync', (f) => f.sync_msgs_s, 'fsync', fs),
    ratio_pipelined_page_cache: ratio(
      'pipelined_page_cache',
      (f) => f.pipelined_msgs_s,
      'page-cache',
      pc,
    ),
    ratio_pipelined_fsync: ratio('pipelined_fsync', (f) => f.pipelined_msgs_s, 'fsync', fs),
    // Reading does not depend on the flush mode; our default broker (ASYNC_FLUSH) against the
    // fastest reader of any peer configuration.
    ratio_consume: ratio('consume', (f) => f.consume_msgs_s, undefined, pc),
    sync_page_cache_p50_us: pc.sync_p50_us,
    batch_msgs_s: batch,
    batch_mb_s: Math.round(batchMb),
    limit_ratios: {
      sync_page_cache_vs_echo_rtt_rate: round2(pc.sync_msgs_s / limits.echo_rtt_per_s),
      sync_page_cache_p50_vs_echo_p50: round2(pc.sync_p50_us / limits.echo_rtt_p50_us),
      sync_fsync_vs_fdatasync_rate: round2(fs.sync_msgs_s / limits.fdatasync_per_s),
      pipelined_page_cache_vs_echo_1000: round2(
        pc.pipelined_msgs_s / limits.echo_1000_inflight_per_s,
      ),
      pipelined_fsync_vs_echo_1000: round2(fs.pipelined_msgs_s / limits.echo_1000_inflight_per_s),
      batch_vs_buffered_write: round2(batchMb / limits.buffered_write_mb_s),
      consume_vs_echo_1000: round2(pc.consume_msgs_s / limits.echo_1000_inflight_per_s),
    },
  };
}

const k = (n: number): string => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : String(n));

/** The systems table, one row per system, then our ratios. Plain text with aligned columns. */
export function renderTable(s: Summary): string {
  const rows = [
    ['system', 'ack after', 'sync msg/s', 'p50 us', 'p99 us', 'pipelined', 'batch', 'consume'],
  ];
  for (const f of Object.values(s.systems))
    rows.push([
      f.label,
      f.durability,
      k(f.sync_msgs_s),
      String(f.sync_p50_us),
      String(f.sync_p99_us),
      k(f.pipelined_msgs_s),
      f.batch_msgs_s ? k(f.batch_msgs_s) : '-',
      k(f.consume_msgs_s),
    ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
  return lines.join('\n');
}

/** The ratio lines: scenario, our ratio, best peer, target. */
export function ratioLines(s: Summary): [string, string, string, string][] {
  return [
    [
      'sync send, page-cache ack',
      `${s.ratio_sync_page_cache}x (p50 ${s.sync_page_cache_p50_us} us)`,
      s.best_peer.sync_page_cache ?? '-',
      '>= 1.5x, p50 <= 70 us',
    ],
    ['sync send, fsync ack', `${s.ratio_sync_fsync}x`, s.best_peer.sync_fsync ?? '-', '>= 1.8x'],
    [
      'pipelined 1000, page-cache ack',
      `${s.ratio_pipelined_page_cache}x`,
      s.best_peer.pipelined_page_cache ?? '-',
      '>= 1.5x',
    ],
    [
      'pipelined 1000, fsync ack',
      `${s.ratio_pipelined_fsync}x`,
      s.best_peer.pipelined_fsync ?? '-',
      '>= 2x',
    ],
    [
      'batch send',
      `${k(s.batch_msgs_s)} msg/s, ${s.batch_mb_s} MB/s = ${s.limit_ratios.batch_vs_buffered_write}x buffered write`,
      '-',
      '>= 400k msg/s, >= 0.6x',
    ],
    ['consume from backlog', `${s.ratio_consume}x`, s.best_peer.consume ?? '-', '>= 1x'],
  ];
}
