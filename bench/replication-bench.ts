/**
 * Replication benchmark (run by `npm run bench`): the SDK producer, 1 KiB bodies, 1 and 64 in
 * flight, against a single broker, an ASYNC_MASTER with a slave and a SYNC_MASTER with a slave,
 * each server `rmq` in its own process; the slave's lag under the 64-in-flight load; and the time
 * a fresh slave takes to copy a master's CommitLog (1 GiB, 128 MiB with --quick). Prints a
 * table, then one JSON line. `-- --quick` for short.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createClient, type Producer } from '../src/client/index.ts';
import { RemotingClient } from '../src/remoting/transport/remoting-client.ts';
import { createRequest } from '../src/remoting/protocol/remoting-command.ts';
import { RequestCode } from '../src/remoting/protocol/request-code.ts';
import { launch, percentile, printedAddress, stop } from './bench-util.ts';

const quick = process.argv.includes('--quick');
const RMQ = new URL('../bin/rmq.mjs', import.meta.url).pathname;
const BODY = Buffer.alloc(1024, 0x63);
const root = mkdtempSync(join(tmpdir(), 'rmq-habench-'));
const remoting = new RemotingClient({ logger: pino({ level: 'silent' }) });
const children: ChildProcess[] = [];
let seq = 0;

async function rmq(args: string[]): Promise<string> {
  const p = await launch([RMQ, ...args]);
  children.push(p.child);
  return printedAddress(p.lines, args[0] === 'namesrv' ? 'namesrv' : 'broker');
}

async function runtime(addr: string): Promise<Record<string, string>> {
  const res = await remoting.invoke(
    addr,
    createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, 0),
    3000,
  );
  return (JSON.parse(res.body?.toString() ?? '{}') as { table: Record<string, string> }).table;
}

async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A name server and broker-a's master, with a slave unless `slave` is false. */
async function group(role: 'ASYNC_MASTER' | 'SYNC_MASTER', slave: boolean) {
  const dir = join(root, String(seq++));
  const ns = await rmq(['namesrv', '--listenPort=0', '--bindAddress=127.0.0.1']);
  const common = [
    '-n',
    ns,
    '--brokerName=broker-a',
    '--listenPort=0',
    '--bindAddress=127.0.0.1',
    '--brokerIP1=127.0.0.1',
    '--enableGrpc=false',
  ];
  const master = await rmq([
    'broker',
    ...common,
    `--brokerRole=${role}`,
    `--storePathRootDir=${join(dir, 'm')}`,
  ]);
  const startSlave = async (): Promise<string> => {
    const addr = await rmq([
      'broker',
      ...common,
      '--brokerRole=SLAVE',
      '--brokerId=1',
      `--storePathRootDir=${join(dir, 's')}`,
    ]);
    await until(
      async () => (await runtime(master)).haSlaveNum === '1',
      20000,
      'the slave connects',
    );
    return addr;
  };
  const slaveAddr = slave ? await startSlave() : undefined;
  return { ns, master, slaveAddr, startSlave };
}

/** `count` sends, `window` in flight (bounded by `seconds`): rate and latencies. */
async function closedLoop(
  producer: Producer,
  topic: string,
  count: number,
  window: number,
  seconds: number,
  body = BODY,
) {
  const lat: number[] = [];
  let sent = 0;
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < count && performance.now() < deadline) {
      sent++;
      const s = performance.now();
      const r = await producer.send({ topic, body });
      if (r.sendStatus !== 'SEND_OK') throw new Error(`send status ${r.sendStatus}`);
      lat.push((performance.now() - s) * 1000);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { rate: Math.round(lat.length / ((performance.now() - t0) / 1000)), lat };
}

async function measure(label: string, role: 'ASYNC_MASTER' | 'SYNC_MASTER', slave: boolean) {
  const g = await group(role, slave);
  const client = createClient({
    namesrvAddr: g.ns,
    clientIP: '127.0.0.1',
    instanceName: `ha-${label}`,
  });
  const producer = client.createProducer({ producerGroup: 'PID_ha_bench' });
  await producer.start();
  const topic = 'HaBenchTopic';
  await producer.send({ topic, body: BODY });
  const one = await closedLoop(producer, topic, quick ? 3000 : 10000, 1, 20);
  let maxLag = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling && slave) {
      maxLag = Math.max(maxLag, Number((await runtime(g.master)).slaveFallBehindMuch ?? 0));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const many = await closedLoop(producer, topic, quick ? 40000 : 150000, 64, 30);
  sampling = false;
  await sampler;
  await producer.shutdown();
  await client.shutdown();
  return {
    label,
    one: { rate: one.rate, p50: percentile(one.lat, 50), p99: percentile(one.lat, 99) },
    many: { rate: many.rate, p50: percentile(many.lat, 50), p99: percentile(many.lat, 99) },
    maxLagBytes: maxLag,
  };
}

/** Fills a master with `bytes` of 16 KiB bodies, then times a fresh slave copying all of it. */
async function catchUp(bytes: number) {
  const g = await group('ASYNC_MASTER', false);
  const client = createClient({
    namesrvAddr: g.ns,
    clientIP: '127.0.0.1',
    instanceName: 'ha-fill',
  });
  const producer = client.createProducer({
    producerGroup: 'PID_ha_fill',
    compressMsgBodyOverHowmuch: 1 << 30,
  });
  await producer.start();
  const body = randomBytes(16 * 1024);
  await closedLoop(producer, 'HaFill', Math.ceil(bytes / body.length), 64, 600, body);
  await producer.shutdown();
  await client.shutdown();
  const max = Number((await runtime(g.master)).commitLogMaxOffset);
  const t0 = performance.now();
  const slave = await g.startSlave();
  await until(
    async () => Number((await runtime(slave)).commitLogMaxOffset) >= max,
    600000,
    'the slave catches up',
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    bytes: max,
    seconds: Number(seconds.toFixed(2)),
    mbPerSecond: Math.round(max / 1048576 / seconds),
  };
}

async function main(): Promise<void> {
  const single = await measure('single broker', 'ASYNC_MASTER', false);
  const asyncMaster = await measure('ASYNC_MASTER + slave', 'ASYNC_MASTER', true);
  const syncMaster = await measure('SYNC_MASTER + slave', 'SYNC_MASTER', true);
  for (const c of children.splice(0)) await stop(c);
  const fresh = await catchUp(quick ? 128 * 1048576 : 1024 * 1048576);
  console.log(
    `Replication benchmark, SDK producer, 1 KiB bodies, ASYNC_FLUSH${quick ? ' (quick)' : ''}`,
  );
  console.log(
    'setup                     1 in flight msgs/s  p50 us  p99 us | 64 in flight msgs/s  p50 us  p99 us | max slave lag',
  );
  for (const r of [single, asyncMaster, syncMaster])
    console.log(
      `${r.label.padEnd(25)} ${String(r.one.rate).padStart(19)} ${String(r.one.p50).padStart(7)} ${String(r.one.p99).padStart(7)} | ${String(r.many.rate).padStart(20)} ${String(r.many.p50).padStart(7)} ${String(r.many.p99).padStart(7)} | ${r.maxLagBytes} B`,
    );
  console.log(
    `fresh slave copies ${(fresh.bytes / 1048576).toFixed(0)} MiB in ${fresh.seconds} s (${fresh.mbPerSecond} MiB/s)`,
  );
  console.log(
    JSON.stringify({
      bench: 'replication',
      quick,
      results: [single, asyncMaster, syncMaster],
      sync_master_ratio_64: Number((syncMaster.many.rate / single.many.rate).toFixed(2)),
      async_master_ratio_64: Number((asyncMaster.many.rate / single.many.rate).toFixed(2)),
      fresh_slave_catch_up: fresh,
    }),
  );
}

try {
  await main();
} finally {
  for (const c of children) await stop(c);
  await remoting.shutdown();
  rmSync(root, { recursive: true, force: true });
}
