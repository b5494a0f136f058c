/**
 * Shared by every bench:peers workload process (ours and the peers'). The contract: a workload
 * prints one JSON line per phase it ran on stdout (`emit`) and nothing else; logs go to stderr.
 * Loops are bounded by a message count and by wall-clock seconds, whichever comes first.
 */
import { readFileSync } from 'node:fs';

export type Phase = 'sync' | 'pipe' | 'batch' | 'read';

export interface PhaseResult {
  phase: Phase;
  msgs: number;
  secs: number;
  rate: number;
  p50_us?: number;
  p99_us?: number;
  p999_us?: number;
  client_pct: number;
  server_pct: number | null;
  expected?: number;
}

export interface LatencySummary {
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  mean_us: number;
}

/** What `syncLoop` / `windowLoop` return; spreads straight into a `PhaseResult`. */
export interface LoopResult extends LatencySummary {
  msgs: number;
  secs: number;
  rate: number;
}

export interface CpuMark {
  clientUsage: NodeJS.CpuUsage;
  serverMs: number | null;
  startMs: number;
}

export type Args = Record<string, string | number | boolean>;

const nowMs = (): number => performance.now();
const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** `--key=value` flags (numbers where numeric, a bare `--flag` is `true`) over `defaults`. */
export function parseArgs(argv: readonly string[], defaults: Args = {}): Args {
  const out: Args = { ...defaults };
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!m?.[1]) continue;
    const v = m[2];
    if (v === undefined) out[m[1]] = true;
    else out[m[1]] = v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  }
  return out;
}

/** The flags every workload process takes (run-peers passes them), parsed once. */
export interface WorkloadOptions {
  /** The remaining flags, for what one workload alone takes (`--type`, `--namesrv`...). */
  args: Args;
  host: string;
  port: number;
  phases: string[];
  /** Sync sends, and reads in the read phase. */
  count: number;
  /** Sends of the pipelined (and batch) phase. */
  pipeCount: number;
  window: number;
  /** Messages one read asks for. */
  batch: number;
  seconds: number;
  size: number;
  /** The server's pid, for its CPU share. */
  spid: number | undefined;
  /** What the read phase should find (what the pipelined phase wrote). */
  expected: number | undefined;
}

/**
 * Parses this process's flags over the common defaults (and `defaults` for its own) and arms
 * the wall-clock guard, so no workload process can outlive a stuck server.
 */
export function workloadOptions(name: string, defaults: Args = {}): WorkloadOptions {
  const a = parseArgs(process.argv.slice(2), {
    host: '127.0.0.1',
    count: 100000,
    size: 1024,
    window: 1000,
    batch: 1000,
    seconds: 20,
    phases: 'sync,pipe',
    spid: 0,
    ...defaults,
  });
  const count = Number(a.count);
  const seconds = Number(a.seconds);
  guard(3 * seconds + 60, `${name} workload`);
  return {
    args: a,
    host: String(a.host),
    port: Number(a.port),
    phases: String(a.phases).split(','),
    count,
    pipeCount: Number(a.pipeCount ?? count),
    window: Number(a.window),
    batch: Number(a.batch),
    seconds,
    size: Number(a.size),
    spid: Number(a.spid) || undefined,
    expected: a.expected === undefined ? undefined : Number(a.expected),
  };
}

/** A body of `size` printable bytes, so text protocols (Redis, NATS) carry it unchanged. */
export function payload(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 97 + (i % 26);
  return b;
}

/** Percentiles of the first `n` latencies (µs); zeros when nothing was measured. */
export function summarize(latUs: Float64Array, n: number): LatencySummary {
  if (n <= 0) return { p50_us: 0, p99_us: 0, p999_us: 0, max_us: 0, mean_us: 0 };
  const a = latUs.slice(0, n).sort();
  const q = (p: number): number => round(a[Math.min(n - 1, Math.floor(p * n))] ?? 0, 1);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i] ?? 0;
  return {
    p50_us: q(0.5),
    p99_us: q(0.99),
    p999_us: q(0.999),
    max_us: round(a[n - 1] ?? 0, 1),
    mean_us: round(sum / n, 1),
  };
}

function loopResult(msgs: number, startMs: number, lat: Float64Array): LoopResult {
  const secs = (nowMs() - startMs) / 1000;
  return {
    msgs,
    secs: round(secs, 3),
    rate: secs > 0 ? Math.round(msgs / secs) : 0,
    ...summarize(lat, msgs),
  };
}

/** One send in flight at a time; latency measured around each awaited send. */
export async function syncLoop(
  count: number,
  maxSeconds: number,
  sendOne: (i: number) => Promise<unknown>,
): Promise<LoopResult> {
  const lat = new Float64Array(Math.max(0, count));
  const t0 = nowMs();
  const deadline = t0 + maxSeconds * 1000;
  let i = 0;
  while (i < count) {
    const s = nowMs();
    await sendOne(i);
    const e = nowMs();
    lat[i++] = (e - s) * 1000;
    if (e > deadline) break;
  }
  return loopResult(i, t0, lat);
}

/**
 * Up to `window` sends in flight. Latency is issue-to-ack, mostly queueing under a full window.
 * Stops issuing at `count` or `maxSeconds` and resolves once the in-flight ones are acked;
 * rejects on the first failed send.
 */
export function windowLoop(
  count: number,
  window: number,
  maxSeconds: number,
  sendOne: (i: number) => Promise<unknown>,
): Promise<LoopResult> {
  return new Promise((resolve, reject) => {
    const lat = new Float64Array(Math.max(0, count));
    const t0 = nowMs();
    const deadline = t0 + maxSeconds * 1000;
    let issued = 0;
    let done = 0;
    let inflight = 0;
    let stopped = false;
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      stopped = true;
      reject(e instanceof Error ? e : new Error(`Send failed: ${String(e)}`));
    };
    const pump = (): void => {
      while (!stopped && inflight < window && issued < count) {
        const idx = issued++;
        inflight++;
        const s = nowMs();
        let p: Promise<unknown>;
        try {
          p = sendOne(idx);
        } catch (e) {
          fail(e);
          return;
        }
        p.then(() => {
          if (failed) return;
          const e = nowMs();
          lat[done++] = (e - s) * 1000;
          inflight--;
          if (e > deadline) stopped = true;
          if (inflight === 0 && (stopped || issued >= count)) resolve(loopResult(done, t0, lat));
          else pump();
        }, fail);
      }
    };
    if (count <= 0) resolve(loopResult(0, t0, lat));
    else pump();
  });
}

/** CPU time (ms, user + system, all threads) of a process from /proc/<pid>/stat; null if gone. */
function procCpuMs(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "(comm) ": state is [0], utime [11], stime [12], in USER_HZ (100 on Linux)
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** Starts a CPU measurement of this process and, when given, of the server process. */
export function cpuStart(serverPid?: number): CpuMark {
  return {
    clientUsage: process.cpuUsage(),
    serverMs: serverPid ? procCpuMs(serverPid) : null,
    startMs: nowMs(),
  };
}

/** CPU since `cpuStart` as % of one core (100 = one core busy for the whole phase). */
export function cpuEnd(
  start: CpuMark,
  serverPid?: number,
): { client_pct: number; server_pct: number | null } {
  const wallMs = Math.max(1e-3, nowMs() - start.startMs);
  const c = process.cpuUsage(start.clientUsage);
  const serverNow = serverPid ? procCpuMs(serverPid) : null;
  return {
    client_pct: Math.round(((c.user + c.system) / 1000 / wallMs) * 100),
    server_pct:
      serverNow !== null && start.serverMs !== null
        ? Math.round(((serverNow - start.serverMs) / wallMs) * 100)
        : null,
  };
}

/** Prints one phase's result as one JSON line on stdout. */
export function emit(record: PhaseResult): void {
  process.stdout.write(JSON.stringify(record) + '\n');
}

/** Emits the read phase: `n` messages read since `startMs` (performance.now()). */
export function emitRead(
  n: number,
  startMs: number,
  expected: number | undefined,
  cpu: CpuMark,
  serverPid: number | undefined,
): void {
  const secs = (performance.now() - startMs) / 1000;
  emit({
    phase: 'read',
    msgs: n,
    secs: round(secs, 3),
    rate: Math.round(n / secs),
    ...(expected === undefined ? {} : { expected }),
    ...cpuEnd(cpu, serverPid),
  });
}

/** Hard wall-clock limit: exits with code 3 so a stuck client can never hang the run. */
export function guard(seconds: number, what: string): NodeJS.Timeout {
  const t = setTimeout(() => {
    process.stderr.write(`[guard] ${what} exceeded ${seconds}s, exiting\n`);
    process.exit(3);
  }, seconds * 1000);
  t.unref();
  return t;
}
