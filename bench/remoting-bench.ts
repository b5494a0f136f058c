/**
 * Remoting benchmark (`npm run bench`): a load generator in this process against `rmq start` in
 * another, 1 KiB bodies. Phases: sync sends with 1 and 32 in flight, batch sends, pulls from the
 * backlog. The same send phases also run against a server that discards, to show the generator
 * is not the bottleneck. Prints a table, then one JSON line. `-- --quick` for a short run.
 * Every phase is bounded by a message count and a time limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { launch, launchStandalone, peakRssMb, percentile, printedAddress } from './bench-util.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RemotingClient } from '../src/remoting/transport/remoting-client.ts';
import { createRequest } from '../src/remoting/protocol/remoting-command.ts';
import { RequestCode } from '../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../src/remoting/protocol/response-code.ts';
import { encodeProperties } from '../src/common/message/message-properties.ts';

const quick = process.argv.includes('--quick');
const BODY = Buffer.alloc(1024, 0x62);
const QUEUES = 4;
const TOPIC = 'BenchTopic';
const props = encodeProperties({ TAGS: 'TagA', WAIT: 'true' });
const root = mkdtempSync(join(tmpdir(), 'rmq-rbench-'));
const DISCARD = new URL('./discard-server.ts', import.meta.url).pathname;

const client = new RemotingClient({ logger: pino({ level: 'silent' }) });

/** SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE header (single-letter names), as Java clients send it. */
function sendExt(i: number, batch: boolean): Record<string, string> {
  return {
    a: 'PID_bench',
    b: TOPIC,
    c: 'TBW102',
    d: '4',
    e: String(i % QUEUES),
    f: '0',
    g: String(Date.now()),
    h: '0',
    i: batch ? '' : props,
    j: '0',
    k: 'false',
    ...(batch ? { m: 'true' } : {}),
  };
}

/** A SEND_BATCH_MESSAGE body of `n` messages: TOTALSIZE, MAGIC, CRC, FLAG, BODY, PROPERTIES each. */
function batchBody(n: number): Buffer {
  const one = Buffer.alloc(20 + BODY.length + 2 + Buffer.byteLength(props));
  one.writeInt32BE(one.length, 0);
  BODY.copy(one, 20);
  one.writeInt32BE(BODY.length, 16);
  one.writeInt16BE(Buffer.byteLength(props), 20 + BODY.length);
  one.write(props, 22 + BODY.length);
  return Buffer.concat(Array.from({ length: n }, () => one));
}

interface Phase {
  msgs: number;
  secs: number;
  lat: number[];
}

async function sendLoad(
  addr: string,
  count: number,
  window: number,
  seconds: number,
  batch = 0,
): Promise<Phase> {
  const lat: number[] = [];
  const body = batch > 0 ? batchBody(batch) : undefined;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let issued = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const issue = (): void => {
      if (issued >= count || performance.now() > deadline) {
        if (done === issued) resolve();
        return;
      }
      const i = issued++;
      const start = performance.now();
      const req = body
        ? createRequest(RequestCode.SEND_BATCH_MESSAGE, 0, sendExt(i, true), body)
        : createRequest(RequestCode.SEND_MESSAGE_V2, 0, sendExt(i, false), BODY);
      client.invoke(addr, req, 10000).then((res) => {
        if (res.code !== ResponseCode.SUCCESS)
          return reject(new Error(`send failed: ${res.code} ${res.remark ?? ''}`));
        lat.push((performance.now() - start) * 1000);
        done++;
        issue();
      }, reject);
    };
    for (let w = 0; w < window; w++) issue();
  });
  return { msgs: done * Math.max(1, batch), secs: (performance.now() - t0) / 1000, lat };
}

async function pullAll(addr: string, seconds: number): Promise<Phase> {
  const t0 = performance.now();
  let msgs = 0;
  await Promise.all(
    Array.from({ length: QUEUES }, async (_v, q) => {
      let offset = 0;
      while (performance.now() - t0 < seconds * 1000) {
        const res = await client.invoke(
          addr,
          createRequest(RequestCode.PULL_MESSAGE, 0, {
            consumerGroup: 'GID_bench',
            topic: TOPIC,
            queueId: String(q),
            queueOffset: String(offset),
            maxMsgNums: '32',
            sysFlag: '4',
            commitOffset: '-1',
            suspendTimeoutMillis: '0',
            subscription: '*',
            subVersion: '0',
          }),
          10000,
        );
        if (res.code !== ResponseCode.SUCCESS) break;
        const body = res.body ?? Buffer.alloc(0);
        for (let p = 0; p < body.length; p += body.readInt32BE(p)) msgs++;
        offset = Number(res.extFields?.nextBeginOffset);
      }
    }),
  );
  return { msgs, secs: (performance.now() - t0) / 1000, lat: [] };
}

const pct = percentile;
const rate = (ph: Phase): number => Math.round(ph.msgs / ph.secs);

async function main(): Promise<void> {
  const n1 = quick ? 5000 : 20000;
  const n32 = quick ? 50000 : 200000;
  const nBatch = quick ? 2000 : 8000;
  const broker = await launchStandalone(root);
  const discard = await launch(['--import', 'tsx', DISCARD]);
  const brokerAddr = broker.broker;
  const discardAddr = printedAddress(discard.lines, 'discard');
  try {
    await client.invoke(
      brokerAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, 0, {
        topic: TOPIC,
        readQueueNums: String(QUEUES),
        writeQueueNums: String(QUEUES),
        perm: '6',
      }),
      5000,
    );
    await sendLoad(brokerAddr, 2000, 8, 10); // warm-up: JIT and connections
    await sendLoad(discardAddr, 2000, 8, 10);
    const sync1 = await sendLoad(brokerAddr, n1, 1, 20);
    const sync32 = await sendLoad(brokerAddr, n32, 32, 30);
    const batch = await sendLoad(brokerAddr, nBatch, 8, 30, 32);
    const pull = await pullAll(brokerAddr, 30);
    const d1 = await sendLoad(discardAddr, n1, 1, 20);
    const d32 = await sendLoad(discardAddr, n32, 32, 30);
    const brokerRss = peakRssMb(broker.child.pid);
    const result = {
      sync1_msgs_s: rate(sync1),
      sync1_p50_us: pct(sync1.lat, 50),
      sync1_p99_us: pct(sync1.lat, 99),
      sync1_p999_us: pct(sync1.lat, 99.9),
      sync32_msgs_s: rate(sync32),
      sync32_mb_s: +((rate(sync32) * 1024) / 1e6).toFixed(1),
      sync32_p50_us: pct(sync32.lat, 50),
      sync32_p99_us: pct(sync32.lat, 99),
      sync32_p999_us: pct(sync32.lat, 99.9),
      batch32_msgs_s: rate(batch),
      batch32_mb_s: +((rate(batch) * 1024) / 1e6).toFixed(1),
      pull_msgs_s: rate(pull),
      pull_msgs: pull.msgs,
      discard_sync1_msgs_s: rate(d1),
      discard_sync32_msgs_s: rate(d32),
      generator_headroom_sync32: +(rate(d32) / rate(sync32)).toFixed(2),
      broker_peak_rss_mb: brokerRss,
      quick,
    };
    const rows: [string, string, string][] = [
      [
        'sync send, 1 in flight',
        `${result.sync1_msgs_s.toLocaleString()} msgs/s`,
        `p50 ${result.sync1_p50_us} us, p99 ${result.sync1_p99_us} us, p999 ${result.sync1_p999_us} us`,
      ],
      [
        'sync send, 32 in flight',
        `${result.sync32_msgs_s.toLocaleString()} msgs/s`,
        `${result.sync32_mb_s} MB/s, p50 ${result.sync32_p50_us} us, p99 ${result.sync32_p99_us} us, p999 ${result.sync32_p999_us} us`,
      ],
      [
        'batch send, 32 per batch, 8 in flight',
        `${result.batch32_msgs_s.toLocaleString()} msgs/s`,
        `${result.batch32_mb_s} MB/s`,
      ],
      [
        'pull from backlog, 4 queues',
        `${result.pull_msgs_s.toLocaleString()} msgs/s`,
        `${result.pull_msgs.toLocaleString()} msgs`,
      ],
      [
        'generator vs discarding server, 1 / 32 in flight',
        `${result.discard_sync1_msgs_s.toLocaleString()} / ${result.discard_sync32_msgs_s.toLocaleString()} msgs/s`,
        `headroom ${result.generator_headroom_sync32}x at 32`,
      ],
      ['broker peak RSS', `${brokerRss} MB`, ''],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`Remoting benchmark, 1 KiB bodies, broker ASYNC_FLUSH${quick ? ' (quick)' : ''}`);
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b.padStart(22)}  ${c}`);
    console.log(JSON.stringify(result));
  } finally {
    await client.shutdown();
    broker.child.kill('SIGTERM');
    discard.child.kill('SIGTERM');
    await Promise.all(
      [broker.child, discard.child].map((c) => new Promise((r) => c.once('exit', r))),
    );
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
