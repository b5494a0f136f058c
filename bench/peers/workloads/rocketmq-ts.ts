/**
 * The bench:peers workload against rocketmq-ts, through the SDK (`rocketmq-ts/client`), exactly
 * as the peers' workloads run against theirs: one process produces (phases sync, pipe, batch),
 * another consumes (phase read). 1 KiB bodies; one JSON line per phase on stdout.
 *
 *   node --import tsx bench/peers/workloads/rocketmq-ts.ts --namesrv=127.0.0.1:9876 \
 *     --phases=sync,pipe,batch --count=100000 --window=1000 --seconds=20 --spid=<broker pid>
 *   node --import tsx bench/peers/workloads/rocketmq-ts.ts --namesrv=... --phases=read --count=100000
 *
 * sync  : await each send (one in flight), --count sends
 * (pipe and batch send --pipeCount messages)
 * pipe  : up to --window sends in flight, into the topic the read phase consumes
 * batch : sendBatch of --batchSize messages, --window messages in flight in all
 * read  : a LitePullConsumer reads the pipe topic from its first offset until --count arrived
 */
import { createClient, type Message } from '../../../src/client/index.ts';
import * as kit from '../workload-kit.ts';

const o = kit.workloadOptions('rocketmq-ts', {
  namesrv: '127.0.0.1:9876',
  batchSize: 64,
  phases: 'sync,pipe,batch',
});
const { count, pipeCount, seconds, window, spid, phases } = o;
const body = kit.payload(o.size);
const SYNC = 'BenchSync';
const PIPE = 'BenchPipe';
const BATCH = 'BenchBatch';

const client = createClient({
  namesrvAddr: String(o.args.namesrv),
  clientIP: '127.0.0.1',
  instanceName: `bench-${process.pid}`,
});

async function produce(): Promise<void> {
  const producer = client.createProducer({ producerGroup: 'PID_bench_peers' });
  await producer.start();
  // Topics are created by their first send (TBW102), before any phase measures.
  for (const topic of [SYNC, PIPE, BATCH]) await producer.send({ topic, body });
  const warmed = 1; // the PIPE topic holds one message before the pipe phase
  if (phases.includes('sync')) {
    const cs = kit.cpuStart(spid);
    const res = await kit.syncLoop(count, seconds, () => producer.send({ topic: SYNC, body }));
    kit.emit({ phase: 'sync', ...res, ...kit.cpuEnd(cs, spid) });
  }
  if (phases.includes('pipe')) {
    const cs = kit.cpuStart(spid);
    const res = await kit.windowLoop(pipeCount, window, seconds, () =>
      producer.send({ topic: PIPE, body }),
    );
    kit.emit({ phase: 'pipe', ...res, expected: res.msgs + warmed, ...kit.cpuEnd(cs, spid) });
  }
  if (phases.includes('batch')) {
    const size = Number(o.args.batchSize);
    const batch: Message[] = Array.from({ length: size }, () => ({ topic: BATCH, body }));
    const cs = kit.cpuStart(spid);
    const res = await kit.windowLoop(
      Math.ceil(pipeCount / size),
      Math.max(1, Math.floor(window / size)),
      seconds,
      () => producer.sendBatch(batch),
    );
    const msgs = res.msgs * size;
    kit.emit({
      phase: 'batch',
      msgs,
      secs: res.secs,
      rate: msgs / res.secs,
      ...kit.cpuEnd(cs, spid),
    });
  }
  await producer.shutdown();
}

async function consume(): Promise<void> {
  const consumer = client.createLitePullConsumer({
    consumerGroup: `GID_bench_read_${process.pid}`,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pullBatchSize: o.batch,
    autoCommit: false,
  });
  await consumer.start();
  let n = 0;
  const cs = kit.cpuStart(spid);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await consumer.subscribe(PIPE);
  while (n < count && performance.now() < deadline) {
    const got = await consumer.poll(1000);
    n += got.length;
  }
  kit.emitRead(n, t0, o.expected ?? count, cs, spid);
  await consumer.shutdown();
}

try {
  if (phases.includes('read')) await consume();
  else await produce();
} finally {
  await client.shutdown();
}
