/**
 * `npm run bench:peers [-- --quick] [-- --cpu-prof] [-- --docs]`: rocketmq-ts against Redis
 * Streams, NATS JetStream and RabbitMQ on this machine, in one run, plus the machine's own limits.
 *
 * Installs the peers from Debian when missing, starts each on loopback with its data in a temp
 * dir, runs the same workload against each (1 KiB bodies; one producer process: sync sends, then
 * 1000 in flight; then one consumer process reading the pipelined messages back), stops what it
 * started. Systems are interleaved within a round and every figure is the median of 3 rounds.
 * Prints a table, the ratios against the best peer of each scenario, and one JSON object as its
 * last line. A full run (or `--docs`) also writes docs/benchmarks.md, its SVG chart and the run's
 * JSON (docs/benchmarks.json); `--render=docs/benchmarks.json` writes the first two again from it.
 * `--cpu-prof` writes V8 CPU profiles of our broker and our workload processes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as prettier from 'prettier';
import { join } from 'node:path';
import { launchStandalone, stop } from '../bench-util.ts';
import { renderChartSvg } from './bar-chart-svg.ts';
import { renderBenchmarksMarkdown } from './benchmarks-markdown.ts';
import { measureMachineLimits } from './machine-limits.ts';
import {
  medianFigures,
  ratioLines,
  renderTable,
  summarize,
  type Summary,
  type SystemFigures,
  type SystemSpec,
} from './peer-report.ts';
import { ensurePeersInstalled, startNats, startRabbit, startRedis } from './peer-servers.ts';
import { runWorkload } from './run-workload.ts';
import type { PhaseResult } from './workload-kit.ts';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const cpuProf = argv.includes('--cpu-prof');
const writeDocs = argv.includes('--docs') || !quick;
const ROUNDS = 3;
const SIZE = 1024;
const WINDOW = 1000;
/** Sends of the sync phase (bounded by `seconds` too), of the pipelined phase, reads. */
const P = quick
  ? { syncCount: 20000, pipeCount: 30000, readCount: 30000, seconds: 3 }
  : { syncCount: 100000, pipeCount: 100000, readCount: 100000, seconds: 20 };

const SYSTEMS: SystemSpec[] = [
  {
    id: 'rocketmq-ts-async',
    label: 'rocketmq-ts ASYNC_FLUSH',
    durability: 'page-cache',
    ours: true,
  },
  {
    id: 'redis-everysec',
    label: 'Redis Streams, AOF everysec',
    durability: 'page-cache',
    ours: false,
  },
  { id: 'nats', label: 'NATS JetStream, file', durability: 'page-cache', ours: false },
  { id: 'rabbit-stream', label: 'RabbitMQ stream queue', durability: 'page-cache', ours: false },
  { id: 'rabbit-quorum', label: 'RabbitMQ quorum queue', durability: 'fsync', ours: false },
  { id: 'redis-always', label: 'Redis Streams, AOF always', durability: 'fsync', ours: false },
  { id: 'rocketmq-ts-sync', label: 'rocketmq-ts SYNC_FLUSH', durability: 'fsync', ours: true },
];

const root = mkdtempSync(join(tmpdir(), 'rmq-peers-'));
const profileDir = join(tmpdir(), `rmq-peers-profiles-${process.pid}`);
const running = new Set<() => Promise<void>>();
const log = (line: string): void => void process.stderr.write(`[bench:peers] ${line}\n`);

async function stopAll(): Promise<void> {
  for (const s of [...running].reverse()) await s().catch(() => undefined);
  running.clear();
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    log(`${sig}: stopping what was started`);
    void stopAll().finally(() => process.exit(130));
  });

interface Started {
  pid: number;
  stop: () => Promise<void>;
}

/** Starts a server, remembers how to stop it, and stops it once `body` is done. */
async function withServer<S extends Started, T>(
  start: () => Promise<S>,
  body: (server: S) => Promise<T>,
): Promise<T> {
  const server = await start();
  running.add(server.stop);
  try {
    return await body(server);
  } finally {
    running.delete(server.stop);
    await server.stop();
  }
}

const timeoutMs = (P.seconds * 4 + 90) * 1000;

/** One producer process (sync, pipelined, maybe batch) then one consumer process. */
async function produceAndConsume(
  script: string,
  flags: Record<string, string | number>,
  spid: number,
  withBatch = false,
  nodeArgs: readonly string[] = [],
): Promise<PhaseResult[]> {
  const common = { size: SIZE, seconds: P.seconds, spid, ...flags };
  const produced = await runWorkload(
    script,
    {
      ...common,
      phases: withBatch ? 'sync,pipe,batch' : 'sync,pipe',
      count: P.syncCount,
      pipeCount: P.pipeCount,
      window: WINDOW,
    },
    timeoutMs,
    nodeArgs,
  );
  // Read back what the pipelined phase wrote (it may have stopped at its time limit).
  const written = produced.find((r) => r.phase === 'pipe')?.msgs ?? P.pipeCount;
  const consumed = await runWorkload(
    script,
    {
      ...common,
      phases: 'read',
      count: Math.min(P.readCount, written),
      expected: written,
      batch: 1000,
      seconds: P.seconds * 3,
    },
    timeoutMs,
    nodeArgs,
  );
  return [...produced, ...consumed];
}

async function runOurs(
  dir: string,
  flushDiskType: 'ASYNC_FLUSH' | 'SYNC_FLUSH',
): Promise<PhaseResult[]> {
  const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return await withServer(
    async () => {
      const b = await launchStandalone(dir, [`--flushDiskType=${flushDiskType}`], nodeArgs);
      return { pid: b.child.pid ?? 0, stop: () => stop(b.child), namesrv: b.namesrv };
    },
    (b) =>
      produceAndConsume(
        'rocketmq-ts.ts',
        { namesrv: b.namesrv },
        b.pid,
        flushDiskType === 'ASYNC_FLUSH',
        nodeArgs,
      ),
  );
}

/** Runs every system once; RabbitMQ's two queue types share one node. */
async function runRound(round: number): Promise<Map<string, PhaseResult[]>> {
  const out = new Map<string, PhaseResult[]>();
  const dirOf = (id: string): string => {
    const d = join(root, `r${round}-${id}`);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const done = (id: string): void =>
    rmSync(join(root, `r${round}-${id}`), { recursive: true, force: true });
  const record = (id: string, phases: PhaseResult[]): void => {
    out.set(id, phases);
    const line = phases.map((p) => `${p.phase} ${Math.round(p.rate)}/s`).join(', ');
    log(`round ${round} ${id}: ${line}`);
  };
  for (const spec of SYSTEMS) {
    const id = spec.id;
    if (id === 'rabbit-quorum') continue; // with rabbit-stream below
    const dir = dirOf(id);
    switch (id) {
      case 'rocketmq-ts-async':
        record(id, await runOurs(dir, 'ASYNC_FLUSH'));
        break;
      case 'rocketmq-ts-sync':
        record(id, await runOurs(dir, 'SYNC_FLUSH'));
        break;
      case 'redis-everysec':
      case 'redis-always':
        record(
          id,
          await withServer(
            () => startRedis(dir, id === 'redis-always' ? 'always' : 'everysec'),
            (s) => produceAndConsume('redis-streams.ts', { port: s.port }, s.pid),
          ),
        );
        break;
      case 'nats':
        record(
          id,
          await withServer(
            () => startNats(dir),
            (s) => produceAndConsume('nats-jetstream.ts', { port: s.port }, s.pid),
          ),
        );
        break;
      case 'rabbit-stream':
        await withServer(
          () => startRabbit(dir),
          async (s) => {
            for (const type of ['stream', 'quorum'] as const)
              record(
                `rabbit-${type}`,
                await produceAndConsume('rabbitmq.ts', { port: s.port, type }, s.pid),
              );
          },
        );
        break;
      default:
        throw new Error(`no runner for ${id}`);
    }
    done(id);
  }
  return out;
}

/** docs/benchmarks.md, its chart, and the run's JSON (docs/benchmarks.json) to render them again. */
async function writeBenchmarkDocs(summary: Summary): Promise<void> {
  const docs = new URL('../../docs/', import.meta.url).pathname;
  // Written in the project's Prettier style, so the generated files pass `npm run lint` as they are.
  const write = async (name: string, text: string): Promise<void> => {
    const filepath = join(docs, name);
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    writeFileSync(filepath, await prettier.format(text, { ...options, filepath }));
  };
  writeFileSync(join(docs, 'benchmarks-chart.svg'), renderChartSvg(summary)); // Prettier has no SVG
  await write('benchmarks.md', renderBenchmarksMarkdown(summary));
  await write('benchmarks.json', JSON.stringify(summary));
  log('wrote docs/benchmarks.md, docs/benchmarks-chart.svg and docs/benchmarks.json');
}

async function main(): Promise<void> {
  const render = argv.find((a) => a.startsWith('--render='));
  if (render) {
    // Renders the docs again from a saved run (after editing the generator), without running.
    await writeBenchmarkDocs(JSON.parse(readFileSync(render.slice(9), 'utf8')) as Summary);
    return;
  }
  const t0 = performance.now();
  await ensurePeersInstalled(log);
  log(`measuring the machine's limits (${quick ? 'quick' : 'full'})`);
  const limitsDir = join(root, 'limits');
  mkdirSync(limitsDir, { recursive: true });
  const limits = await measureMachineLimits({ quick, dir: limitsDir });
  log(`limits: ${JSON.stringify(limits)}`);
  const rounds: Map<string, PhaseResult[]>[] = [];
  for (let r = 1; r <= ROUNDS; r++) rounds.push(await runRound(r));
  const figures = new Map<string, SystemFigures>();
  for (const s of SYSTEMS) figures.set(s.id, medianFigures(rounds.map((r) => r.get(s.id) ?? [])));
  const summary = summarize(SYSTEMS, figures, limits, {
    mode: quick ? 'quick' : 'full',
    rounds: ROUNDS,
    bodySize: SIZE,
    workload: P,
  });
  console.log(renderTable(summary));
  console.log('');
  for (const [scenario, ours, best, target] of ratioLines(summary))
    console.log(
      `${scenario.padEnd(32)} ${ours.padEnd(44)} best peer: ${best.padEnd(30)} target ${target}`,
    );
  if (cpuProf) console.log(`CPU profiles: ${profileDir}`);
  if (writeDocs) await writeBenchmarkDocs(summary);
  log(`done in ${Math.round((performance.now() - t0) / 1000)} s`);
  console.log(JSON.stringify(summary));
}

try {
  await main();
} finally {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
}
