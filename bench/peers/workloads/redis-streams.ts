/**
 * The bench:peers workload against Redis Streams (AOF on; fsync policy is the server's), 1 KiB
 * bodies, one JSON line per phase on stdout. The producer and the reader are separate processes:
 *
 *   node --import tsx bench/peers/workloads/redis-streams.ts --port=6379 --phases=sync,pipe \
 *     --count=100000 --window=1000 --seconds=20 --size=1024 --spid=<redis-server pid>
 *   node --import tsx bench/peers/workloads/redis-streams.ts --port=6379 --phases=read \
 *     --count=100000 --batch=1000 --seconds=20 --spid=<pid>
 *
 * sync : await each XADD (one in flight), stream bench-sync
 * pipe : --pipeCount (default --count) messages, up to --window XADDs in flight (ioredis auto-pipelining) into bench-pipe, recreated
 * read : XREAD COUNT --batch from 0-0 over bench-pipe until min(--count, XLEN) entries were read
 */
import { Redis } from 'ioredis';
import * as kit from '../workload-kit.ts';

const o = kit.workloadOptions('redis-streams', { port: 6379 });
const { count, pipeCount, seconds, spid, phases } = o;
const body = kit.payload(o.size);
const SYNC = 'bench-sync';
const PIPE = 'bench-pipe';

const r = new Redis({
  host: o.host,
  port: o.port,
  enableAutoPipelining: true,
  lazyConnect: true,
  // a benchmark must fail, not reconnect behind the numbers
  retryStrategy: () => null,
});

async function produce(): Promise<void> {
  if (phases.includes('sync')) {
    await r.del(SYNC);
    const cs = kit.cpuStart(spid);
    const res = await kit.syncLoop(count, seconds, () => r.xadd(SYNC, '*', 'b', body));
    kit.emit({ phase: 'sync', ...res, ...kit.cpuEnd(cs, spid) });
  }
  if (phases.includes('pipe')) {
    await r.del(PIPE);
    const cs = kit.cpuStart(spid);
    const res = await kit.windowLoop(pipeCount, o.window, seconds, () =>
      r.xadd(PIPE, '*', 'b', body),
    );
    kit.emit({ phase: 'pipe', ...res, expected: res.msgs, ...kit.cpuEnd(cs, spid) });
  }
}

async function consume(): Promise<void> {
  const expected = await r.xlen(PIPE);
  const target = Math.min(count, expected);
  const batch = o.batch;
  let last = '0-0';
  let n = 0;
  const cs = kit.cpuStart(spid);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  while (n < target && performance.now() < deadline) {
    const resp = await r.xreadBuffer('COUNT', batch, 'STREAMS', PIPE, last);
    const entries = resp?.[0]?.[1];
    if (!entries || entries.length === 0) break;
    n += entries.length;
    const lastEntry = entries[entries.length - 1];
    if (lastEntry) last = lastEntry[0].toString();
  }
  kit.emitRead(n, t0, expected, cs, spid);
}

try {
  await r.connect();
  if (phases.includes('read')) await consume();
  if (phases.includes('sync') || phases.includes('pipe')) await produce();
  await r.quit();
} catch (e) {
  process.stderr.write(
    `redis-streams workload failed: ${e instanceof Error ? e.stack : String(e)}\n`,
  );
  r.disconnect();
  process.exitCode = 1;
}
