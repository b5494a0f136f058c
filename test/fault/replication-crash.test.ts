/**
 * kill -9 in a replicated broker group, each server its own process (`rmq namesrv`, `rmq broker`):
 * a SYNC_MASTER killed under load, its slave stalled, leaves every message it acknowledged on the
 * slave; a slave killed under load restarts on its store and ends byte-identical to its master.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { launch, printedAddress, stop } from '../../bench/bench-util.ts';
import { createClient } from '../../src/client/index.ts';
import { decodeRecord } from '../../src/common/message/message-ext-codec.ts';
import { decodeOffsetMessageId } from '../../src/common/message/message-id.ts';
import { RemotingClient } from '../../src/remoting/transport/remoting-client.ts';
import { createRequest } from '../../src/remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../src/remoting/protocol/response-code.ts';
import { waitUntil } from '../helpers/wait-for.ts';

const RMQ = new URL('../../bin/rmq.mjs', import.meta.url).pathname;
const SEGMENT = 1024 * 1024;
/** Bounds of each load loop: this many acknowledged sends, or this long. */
const MAX_ACKS = 1500;
const MAX_LOAD_MS = 20000;

interface Proc {
  child: ChildProcess;
  addr: string;
}

/** A name server, a master and a slave of broker-a, each `rmq` in its own process. */
async function brokerGroup(
  t: TestContext,
  masterRole: 'SYNC_MASTER' | 'ASYNC_MASTER',
  masterFlags: string[] = [],
) {
  const root = mkdtempSync(join(tmpdir(), 'rmq-ha-crash-'));
  const procs: Proc[] = [];
  t.after(async () => {
    for (const p of procs) await stop(p.child).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });
  const ns = await launch([RMQ, 'namesrv', '--listenPort=0', '--bindAddress=127.0.0.1']);
  const namesrv: Proc = { child: ns.child, addr: printedAddress(ns.lines, 'namesrv') };
  procs.push(namesrv);
  const broker = async (name: string, flags: string[]): Promise<Proc> => {
    const b = await launch([
      RMQ,
      'broker',
      '-n',
      namesrv.addr,
      '--brokerName=broker-a',
      '--listenPort=0',
      '--bindAddress=127.0.0.1',
      '--brokerIP1=127.0.0.1',
      '--enableGrpc=false',
      `--mappedFileSizeCommitLog=${SEGMENT}`,
      `--storePathRootDir=${join(root, name)}`,
      ...flags,
    ]);
    const p = { child: b.child, addr: printedAddress(b.lines, 'broker') };
    procs.push(p);
    return p;
  };
  const master = await broker('master', [`--brokerRole=${masterRole}`, ...masterFlags]);
  const startSlave = () =>
    broker('slave', ['--brokerRole=SLAVE', '--brokerId=1', '--haSendHeartbeatInterval=200']);
  return { root, namesrv, master, startSlave };
}

const remoting = new RemotingClient({ logger: pino({ level: 'silent' }) });
test.after(() => remoting.shutdown());

async function invoke(addr: string, code: number, ext: Record<string, string> = {}) {
  return remoting.invoke(addr, createRequest(code, 0, ext), 3000);
}

async function runtime(addr: string): Promise<Record<string, string>> {
  const res = await invoke(addr, RequestCode.GET_BROKER_RUNTIME_INFO);
  return (JSON.parse(res.body?.toString() ?? '{}') as { table: Record<string, string> }).table;
}

async function slaveConnected(master: string): Promise<void> {
  await waitUntil(
    async () => (await runtime(master)).haSlaveNum === '1',
    20000,
    'the slave connects to the master',
  );
}

/** Sends 4 KiB random bodies, 16 in flight, until `stopAfter` acks or MAX_LOAD_MS; calls `midway` once after `midwayAt` acks. */
async function load(
  namesrvAddr: string,
  topic: string,
  stopAfter: number,
  midwayAt: number,
  midway: () => void,
): Promise<{
  acked: { offsetMsgId: string; body: Buffer }[];
  failed: number;
  statuses: Set<string>;
}> {
  const client = createClient({
    namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: `load-${topic}`,
  });
  const producer = client.createProducer({
    producerGroup: `PID_${topic}`,
    sendMsgTimeout: 3000,
    retryTimesWhenSendFailed: 0,
  });
  await producer.start();
  const acked: { offsetMsgId: string; body: Buffer }[] = [];
  let failed = 0;
  const statuses = new Set<string>();
  let fired = false;
  const deadline = Date.now() + MAX_LOAD_MS;
  const worker = async (): Promise<void> => {
    while (acked.length < stopAfter && Date.now() < deadline && failed < 50) {
      const body = randomBytes(4096);
      try {
        const r = await producer.send({ topic, body });
        statuses.add(r.sendStatus);
        if (r.sendStatus === 'SEND_OK') acked.push({ offsetMsgId: r.offsetMsgId, body });
        else failed++;
      } catch {
        failed++;
      }
      if (!fired && acked.length >= midwayAt) {
        fired = true;
        midway();
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await producer.shutdown();
  await client.shutdown();
  return { acked, failed, statuses };
}

function commitLog(dir: string, to: number): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => /^\d{20}$/.test(n))
    .sort()) {
    const start = Number(name);
    if (start < to)
      parts.push(readFileSync(join(dir, name)).subarray(0, Math.min(SEGMENT, to - start)));
  }
  return Buffer.concat(parts);
}

test('a SYNC_MASTER whose slave stalls stops acknowledging (FLUSH_SLAVE_TIMEOUT), and killed with -9 leaves every message it acknowledged on its slave', async (t) => {
  const g = await brokerGroup(t, 'SYNC_MASTER', ['--syncFlushTimeout=1000']);
  const slave = await g.startSlave();
  await slaveConnected(g.master.addr);
  const topic = `HaKill_${process.pid}`;
  // The slave stops (SIGSTOP) with its connection open: a SYNC_MASTER must not acknowledge what
  // it has not got, however many more sends come; an ASYNC one would run on to MAX_ACKS.
  const { acked, statuses } = await load(g.namesrv.addr, topic, MAX_ACKS * 3, 300, () =>
    slave.child.kill('SIGSTOP'),
  );
  g.master.child.kill('SIGKILL');
  slave.child.kill('SIGCONT');
  assert.ok(acked.length >= 300, `acknowledged before the stall: ${acked.length}`);
  assert.ok(statuses.has('FLUSH_SLAVE_TIMEOUT'), `send statuses: ${[...statuses].join(', ')}`);
  const missing = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const a of acked) {
      const { commitLogOffset } = decodeOffsetMessageId(a.offsetMsgId);
      const res = await invoke(slave.addr, RequestCode.VIEW_MESSAGE_BY_ID, {
        offset: String(commitLogOffset),
      });
      const same =
        res.code === ResponseCode.SUCCESS &&
        res.body !== undefined &&
        decodeRecord(res.body, 0, true).body.equals(a.body);
      if (!same) out.push(a.offsetMsgId);
    }
    return out;
  };
  let lost: string[] = [];
  await waitUntil(
    async () => (lost = await missing()).length === 0,
    15000,
    'every acknowledged message is on the slave',
  ).catch(() =>
    assert.fail(
      `${lost.length} of ${acked.length} acknowledged messages are not on the slave: ${lost.slice(0, 3).join(' ')}`,
    ),
  );
});

test('a slave killed with -9 under load restarts on its store and ends byte-identical to its master', async (t) => {
  const g = await brokerGroup(t, 'ASYNC_MASTER');
  let slave = await g.startSlave();
  await slaveConnected(g.master.addr);
  const topic = `SlaveKill_${process.pid}`;
  let killed: Promise<void> | undefined;
  const { acked } = await load(g.namesrv.addr, topic, MAX_ACKS, 500, () => {
    const dying = slave.child;
    killed = new Promise((resolve) => {
      dying.once('exit', () => resolve());
      dying.kill('SIGKILL');
    });
  });
  assert.ok(acked.length >= 500, `acknowledged: ${acked.length}`);
  await killed;
  slave = await g.startSlave();
  const max = Number((await runtime(g.master.addr)).commitLogMaxOffset);
  assert.ok(max > SEGMENT, `the data crosses a segment (${max})`);
  await waitUntil(
    async () => Number((await runtime(slave.addr)).commitLogMaxOffset) === max,
    30000,
    `the restarted slave reaches the master's ${max}`,
  );
  assert.ok(
    commitLog(join(g.root, 'slave', 'commitlog'), max).equals(
      commitLog(join(g.root, 'master', 'commitlog'), max),
    ),
    'the CommitLogs are identical',
  );
  for (let q = 0; q < 4; q++) {
    const ext = { topic, queueId: String(q) };
    const [m, s] = await Promise.all([
      invoke(g.master.addr, RequestCode.GET_MAX_OFFSET, ext),
      invoke(slave.addr, RequestCode.GET_MAX_OFFSET, ext),
    ]);
    assert.equal(s.extFields?.offset, m.extFields?.offset, `queue ${q}`);
  }
});
