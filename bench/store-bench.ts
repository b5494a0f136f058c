/**
 * Store benchmark (`npm run bench:store`): 1 KiB messages against the real store on this disk,
 * beside the machine's limits measured in the same run. Prints a table, then one JSON line.
 *   --quick        smaller counts (about 30 s in all)
 *   --dir=PATH     where files go (default: a temp folder, removed at the end)
 * Every phase is bounded by a message count and a time limit.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSocketAddress } from '../src/common/message/socket-address.ts';
import { encodeProperties } from '../src/common/message/message-properties.ts';
import { tagsHashCode } from '../src/common/message/java-hash.ts';
import type { MessageExtBrokerInner } from '../src/common/message/message-ext.ts';
import { PutMessageStatus } from '../src/store/api.ts';
import { MessageStore } from '../src/store/message-store.ts';
import { resolveStoreConfig } from '../src/store/store-config.ts';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k = '', v = 'true'] = a.replace(/^--/, '').split('=');
    return [k, v] as const;
  }),
);
const quick = args.has('quick');
const base = args.get('dir') ?? mkdtempSync(join(tmpdir(), 'rmq-bench-'));
const BODY = Buffer.alloc(1024, 0x61);
const QUEUES = 4;
const TOPIC = 'BenchTopic';
const props = encodeProperties({ TAGS: 'TagA', WAIT: 'true' });
const bornHost = encodeSocketAddress('127.0.0.1', 50000);
const storeHost = encodeSocketAddress('127.0.0.1', 10911);

let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rssTimer = setInterval(sampleRss, 20);

function message(i: number): MessageExtBrokerInner {
  return {
    topic: TOPIC,
    queueId: i % QUEUES,
    flag: 0,
    body: BODY,
    propertiesString: props,
    tagsCode: tagsHashCode('TagA'),
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

/** dd with conv=fdatasync: buffered sequential write plus one final fdatasync. */
function ddWriteMBs(dir: string, mib: number): number {
  const file = join(dir, 'dd.dat');
  const r = spawnSync(
    'dd',
    ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mib}`, 'conv=fdatasync'],
    { encoding: 'utf8' },
  );
  rmSync(file, { force: true });
  const m = /(\d+) bytes .* copied, ([\d.]+) s/.exec(r.stderr);
  if (!m) throw new Error(`dd printed no rate: ${r.stderr}`);
  return Number(m[1]) / Number(m[2]) / 1e6;
}

/** Single-writer write(1 KiB) + fdatasync on a pre-written file: the floor of one sync per send. */
function rawFdatasyncPerSecond(dir: string, seconds: number): number {
  const file = join(dir, 'fsync.dat');
  const size = 64 * 1024 * 1024;
  const fd = openSync(file, 'w+');
  const chunk = Buffer.alloc(1 << 20);
  for (let p = 0; p < size; p += chunk.length) writeSync(fd, chunk, 0, chunk.length, p);
  fdatasyncSync(fd);
  const t0 = performance.now();
  let n = 0;
  let pos = 0;
  while (performance.now() - t0 < seconds * 1000 && pos + 1024 <= size) {
    writeSync(fd, BODY, 0, 1024, pos);
    fdatasyncSync(fd);
    pos += 1024;
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  closeSync(fd);
  rmSync(file, { force: true });
  return rate;
}

async function openStore(
  dir: string,
  flushDiskType: 'ASYNC_FLUSH' | 'SYNC_FLUSH',
): Promise<MessageStore> {
  const store = new MessageStore({
    config: resolveStoreConfig([
      { storePathRootDir: dir, flushDiskType, maxHashSlotNum: 500000, maxIndexNum: 2000000 },
      process.env.WARM
        ? { warmMapedFileEnable: true, mappedFileSizeCommitLog: 512 * 1024 * 1024 }
        : {},
    ]),
  });
  await store.start();
  return store;
}

/** Keeps `window` appends in flight until `count` are acknowledged or `seconds` pass. */
async function appendLoad(
  store: MessageStore,
  count: number,
  window: number,
  seconds: number,
): Promise<{ msgs: number; secs: number; bytes: number }> {
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let issued = 0;
  let acked = 0;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    const issue = (): void => {
      if (issued >= count || performance.now() > deadline) {
        if (acked === issued) resolve();
        return;
      }
      const i = issued++;
      store.putMessage(message(i)).then((r) => {
        if (r.status !== PutMessageStatus.PUT_OK)
          return reject(new Error(`append ${i}: ${r.status} ${r.remark ?? ''}`));
        acked++;
        bytes += r.appendResult?.wroteBytes ?? 0;
        issue();
      }, reject);
    };
    for (let w = 0; w < window; w++) issue();
  });
  return { msgs: acked, secs: (performance.now() - t0) / 1000, bytes };
}

function readAll(store: MessageStore, seconds: number): { msgs: number; secs: number } {
  const t0 = performance.now();
  let msgs = 0;
  for (let q = 0; q < QUEUES; q++) {
    let offset = 0;
    for (;;) {
      const r = store.getMessage({
        topic: TOPIC,
        queueId: q,
        offset,
        maxMsgNums: 32,
        maxTotalMsgSize: 256 * 1024,
      });
      if (r.messages.length === 0 || performance.now() - t0 > seconds * 1000) break;
      msgs += r.messages.length;
      offset = r.nextBeginOffset;
    }
  }
  return { msgs, secs: (performance.now() - t0) / 1000 };
}

const fmt = (n: number, d = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const asyncCount = quick ? 150_000 : 500_000;
  const sync1Seconds = quick ? 2 : 4;
  const sync64Count = quick ? 100_000 : 300_000;

  const diskMBs = ddWriteMBs(base, quick ? 256 : 1024);
  const rawSync = rawFdatasyncPerSecond(base, quick ? 2 : 4);

  const asyncDir = join(base, 'async');
  let store = await openStore(asyncDir, 'ASYNC_FLUSH');
  const asyncRun = await appendLoad(store, asyncCount, 1024, 60);
  const tFlush = performance.now();
  await store.shutdown();
  const asyncWithFlushSecs = asyncRun.secs + (performance.now() - tFlush) / 1000;
  sampleRss();
  const rssAfterWrite = process.memoryUsage().rss;

  store = await openStore(asyncDir, 'ASYNC_FLUSH');
  const read = readAll(store, 60);
  await store.shutdown();

  const syncDir = join(base, 'sync');
  store = await openStore(syncDir, 'SYNC_FLUSH');
  const s1Before = store.commitLogSyncCount;
  const sync1 = await appendLoad(store, 1_000_000, 1, sync1Seconds);
  const sync1Syncs = store.commitLogSyncCount - s1Before;
  const s64Before = store.commitLogSyncCount;
  const sync64 = await appendLoad(store, sync64Count, 64, 30);
  const sync64Syncs = store.commitLogSyncCount - s64Before;
  await store.shutdown();
  clearInterval(rssTimer);
  // Deleting happens last: on a disk mounted with discard, deletes slow the fdatasyncs after them.
  rmSync(asyncDir, { recursive: true, force: true });
  rmSync(syncDir, { recursive: true, force: true });
  sampleRss();
  if (!args.has('dir')) rmSync(base, { recursive: true, force: true });

  const asyncMBs = asyncRun.bytes / asyncRun.secs / 1e6;
  const asyncFlushedMBs = asyncRun.bytes / asyncWithFlushSecs / 1e6;
  const result = {
    async_append_msgs_s: Math.round(asyncRun.msgs / asyncRun.secs),
    async_append_mb_s: +asyncMBs.toFixed(1),
    async_append_incl_final_flush_mb_s: +asyncFlushedMBs.toFixed(1),
    disk_seq_write_mb_s: +diskMBs.toFixed(1),
    async_ratio_to_disk: +(asyncFlushedMBs / diskMBs).toFixed(2),
    sync1_msgs_s: Math.round(sync1.msgs / sync1.secs),
    sync1_fdatasyncs_s: Math.round(sync1Syncs / sync1.secs),
    sync64_msgs_s: Math.round(sync64.msgs / sync64.secs),
    sync64_fdatasyncs_s: Math.round(sync64Syncs / sync64.secs),
    raw_fdatasync_per_s: Math.round(rawSync),
    sync64_ratio_to_raw_fdatasync: +(sync64.msgs / sync64.secs / rawSync).toFixed(1),
    read_msgs_s: Math.round(read.msgs / read.secs),
    read_msgs: read.msgs,
    peak_rss_mb: Math.round(peakRss / 1e6),
    rss_after_async_write_mb: Math.round(rssAfterWrite / 1e6),
    messages_written_async: asyncRun.msgs,
    body_bytes: BODY.length,
    quick,
  };
  const rows: [string, string, string][] = [
    ['raw sequential write (dd conv=fdatasync)', `${fmt(diskMBs)} MB/s`, ''],
    [
      'ASYNC_FLUSH append, 1024 in flight',
      `${fmt(result.async_append_msgs_s)} msgs/s`,
      `${fmt(asyncMBs)} MB/s`,
    ],
    [
      '  incl. final flush, ratio to dd',
      `${fmt(asyncFlushedMBs)} MB/s`,
      `${result.async_ratio_to_disk}x`,
    ],
    ['raw write+fdatasync, 1 writer', `${fmt(rawSync)} syncs/s`, ''],
    [
      'SYNC_FLUSH, 1 appender',
      `${fmt(result.sync1_msgs_s)} msgs/s`,
      `${fmt(result.sync1_fdatasyncs_s)} fdatasyncs/s`,
    ],
    [
      'SYNC_FLUSH, 64 appenders',
      `${fmt(result.sync64_msgs_s)} msgs/s`,
      `${fmt(result.sync64_fdatasyncs_s)} fdatasyncs/s`,
    ],
    ['  ratio to raw fdatasync rate', `${result.sync64_ratio_to_raw_fdatasync}x`, ''],
    [
      'read back through ConsumeQueue',
      `${fmt(result.read_msgs_s)} msgs/s`,
      `${fmt(read.msgs)} msgs`,
    ],
    [
      'peak RSS',
      `${result.peak_rss_mb} MB`,
      `after ${fmt(asyncRun.msgs)} msgs: ${result.rss_after_async_write_mb} MB`,
    ],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`store benchmark, 1 KiB bodies${quick ? ' (quick)' : ''}`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b.padStart(18)}  ${c}`);
  console.log(JSON.stringify(result));
}

await main();
