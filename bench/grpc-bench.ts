/**
 * gRPC benchmark (run by `npm run bench` after the SDK one): the official RocketMQ 5 client
 * (rocketmq-client-nodejs, unmodified) against the gRPC MessagingService of `rmq start` in another
 * process, beside the same scenarios over Remoting with the rocketmq-ts SDK. 1 KiB bodies, one
 * topic of 4 queues per scenario kind, the load generator in this process.
 *
 * Send: 1 and 64 in flight. Receive + ack: a SimpleConsumer (POP on the broker, over either
 * protocol) drains the same backlog, each in its own consumer group: gRPC acking each message in
 * turn and with 8 acks in flight (the client acks one message per call); Remoting with one batch ack
 * per receive, and acking each in turn for a like-for-like row. Every backlog message carries its
 * index in its body, so duplicates and gaps are counted, and each group's offsets are checked to
 * be at the end afterwards. Each phase also reports the CPU the broker and this process (the
 * client) spent per message, to show which side bounds it. Every loop is bounded in count and
 * time. Prints a table, then one JSON line. `-- --quick` for short.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import rmq from 'rocketmq-client-nodejs';
import { AdminClient } from '../src/admin/admin-client.ts';
import { createClient } from '../src/client/index.ts';
import { launchStandalone, percentile, stop } from './bench-util.ts';

const { Producer, SimpleConsumer } = rmq;
type GrpcProducer = InstanceType<typeof Producer>;
type GrpcConsumer = InstanceType<typeof SimpleConsumer>;

const quick = process.argv.includes('--quick');
/** Messages per phase (sends per send phase; the backlog each receive phase drains). */
const COUNT = quick ? 3_000 : 20_000;
/** Upper bound on any one phase. */
const PHASE_MS = quick ? 10_000 : 20_000;
const QUEUES = 4;
const BATCH = 32;
const INVISIBLE_MS = 60_000;
const ACKS_IN_FLIGHT = 8;
const BODY = Buffer.alloc(1024, 0x63);
const SEND_TOPIC = 'GrpcBenchSend';
const BACKLOG_TOPIC = 'GrpcBenchBacklog';
const root = mkdtempSync(join(tmpdir(), 'rmq-grpcbench-'));

/** rocketmq-client-nodejs logs to files under ~/logs unless given a logger. */
const quietLogger = {
  info(): void {},
  warn(): void {},
  error(): void {},
  debug(): void {},
};

/**
 * Shuts a rocketmq-client-nodejs client down, bounded: its shutdown waits for a held receive and
 * in-flight calls without a limit of its own.
 */
async function closeClient(client: { shutdown(): Promise<void> }, ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.shutdown(),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/** CPU time (user + system, all threads) used so far by the broker process and by this one, in us. */
function cpuNow(brokerPid: number | undefined): { broker: number; client: number } {
  // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
  const fields = readFileSync(`/proc/${brokerPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const { user, system } = process.cpuUsage();
  return {
    broker: (Number(fields[11]) + Number(fields[12])) * 10_000,
    client: user + system,
  };
}

interface Cpu {
  /** Broker CPU per message, us. */
  broker: number;
  /** This process's CPU (the client under test) per message, us. */
  client: number;
}

/** Runs a phase and adds the CPU each side spent per message in it. */
async function withCpu<T extends { count: number }>(
  brokerPid: number | undefined,
  phase: () => Promise<T>,
): Promise<T & { cpu: Cpu }> {
  const before = cpuNow(brokerPid);
  const r = await phase();
  const after = cpuNow(brokerPid);
  const per = (a: number, b: number): number => Math.round((a - b) / Math.max(1, r.count));
  return {
    ...r,
    cpu: { broker: per(after.broker, before.broker), client: per(after.client, before.client) },
  };
}

/** `send` run `count` times (or for PHASE_MS) with `window` in flight: msgs/s and latencies in us. */
async function closedLoop(
  send: () => Promise<unknown>,
  count: number,
  window: number,
): Promise<{ rate: number; count: number; lat: number[] }> {
  const lat: number[] = [];
  const t0 = performance.now();
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < count && performance.now() - t0 < PHASE_MS) {
      issued++;
      const s = performance.now();
      await send();
      lat.push((performance.now() - s) * 1000);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  const rate = Math.round(lat.length / ((performance.now() - t0) / 1000));
  return { rate, count: lat.length, lat };
}

interface Drained {
  rate: number;
  seconds: number;
  /** Messages received, duplicates included. */
  count: number;
  duplicates: number;
  missing: number;
  /** Stopped by PHASE_MS before the whole backlog came. */
  timedOut: boolean;
}

/**
 * Receives and acks until every one of the COUNT backlog messages came once, or PHASE_MS passed;
 * counts deliveries per backlog index (the first 4 bytes of the body).
 */
async function drain<M extends { body: Buffer }>(
  receive: () => Promise<M[]>,
  ack: (batch: M[]) => Promise<void>,
): Promise<Drained> {
  const seen = new Uint8Array(COUNT);
  let unique = 0;
  let received = 0;
  let duplicates = 0;
  const t0 = performance.now();
  let end = t0;
  while (unique < COUNT && performance.now() - t0 < PHASE_MS) {
    const batch = await receive();
    for (const m of batch) {
      received++;
      const i = m.body.readUInt32BE(0);
      if (i >= COUNT || seen[i]) duplicates++;
      else {
        seen[i] = 1;
        unique++;
      }
    }
    if (batch.length > 0) {
      await ack(batch);
      end = performance.now();
    }
  }
  const seconds = (end - t0) / 1000;
  return {
    rate: Math.round(received / Math.max(seconds, 1e-3)),
    seconds: Math.round(seconds * 100) / 100,
    count: received,
    duplicates,
    missing: COUNT - unique,
    timedOut: unique < COUNT,
  };
}

/** Each message of `batch` acked by `ack`, `inFlight` at a time. */
async function ackEach<M>(
  batch: readonly M[],
  ack: (m: M) => Promise<unknown>,
  inFlight: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, batch.length) }, async () => {
      while (next < batch.length) await ack(batch[next++] as M);
    }),
  );
}

async function createTopics(namesrvAddr: string, brokerAddr: string): Promise<void> {
  const admin = new AdminClient({ namesrvAddr });
  try {
    for (const topic of [SEND_TOPIC, BACKLOG_TOPIC]) {
      await admin.updateTopic([brokerAddr], {
        topic,
        readQueueNums: QUEUES,
        writeQueueNums: QUEUES,
      });
      // The broker registers with the name server right after a topic change; wait for the route.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await admin.topicRoute(topic);
          break;
        } catch (err) {
          if (Date.now() > deadline)
            throw new Error(`The name server has no route for ${topic} after 10 s`, {
              cause: err,
            });
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  } finally {
    await admin.shutdown();
  }
}

/** Whether every queue of the group's topic has its consumer offset at the queue's end. */
async function allAcked(namesrvAddr: string, group: string, topic: string): Promise<boolean> {
  const admin = new AdminClient({ namesrvAddr });
  try {
    const progress = (await admin.consumeStats(group, topic)).queues;
    return progress.length === QUEUES && progress.every((q) => q.consumerOffset >= q.brokerOffset);
  } finally {
    await admin.shutdown();
  }
}

async function main(): Promise<void> {
  const broker = await launchStandalone(root);
  // rocketmq-client-nodejs throws from a stream it has no 'error' listener on when its connection
  // drops (seen when a client's shutdown hit its bound and the broker then stopped): even then,
  // leave no broker running and no store behind.
  process.once('exit', () => {
    broker.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  const cleanups: (() => Promise<void>)[] = [];
  try {
    await createTopics(broker.namesrv, broker.broker);
    const client = createClient({
      namesrvAddr: broker.namesrv,
      clientIP: '127.0.0.1',
      instanceName: `bench-grpc-${process.pid}`,
    });
    cleanups.push(() => client.shutdown());
    const producer = client.createProducer({ producerGroup: 'PID_grpc_bench' });
    await producer.start();
    cleanups.push(() => producer.shutdown());
    const grpcProducer: GrpcProducer = new Producer({
      endpoints: broker.grpc,
      namespace: '',
      topic: SEND_TOPIC,
      logger: quietLogger,
    });
    await grpcProducer.startup();
    cleanups.push(() => closeClient(grpcProducer));

    // Sends: both clients warmed up first, then the settings alternate between the protocols.
    const pid = broker.child.pid;
    const grpcSend = (): Promise<unknown> => grpcProducer.send({ topic: SEND_TOPIC, body: BODY });
    const remotingSend = (): Promise<unknown> => producer.send({ topic: SEND_TOPIC, body: BODY });
    await closedLoop(grpcSend, 1000, 8);
    await closedLoop(remotingSend, 1000, 8);
    const g1 = await withCpu(pid, () => closedLoop(grpcSend, COUNT, 1));
    const r1 = await withCpu(pid, () => closedLoop(remotingSend, COUNT, 1));
    const g64 = await withCpu(pid, () => closedLoop(grpcSend, COUNT, 64));
    const r64 = await withCpu(pid, () => closedLoop(remotingSend, COUNT, 64));

    // The backlog: COUNT messages, each with its index in the first 4 bytes of its body.
    let filled = 0;
    const tf = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (filled < COUNT && performance.now() - tf < PHASE_MS) {
          const from = filled;
          filled = Math.min(COUNT, from + BATCH);
          const batch = [];
          for (let i = from; i < filled; i++) {
            const body = Buffer.from(BODY);
            body.writeUInt32BE(i, 0);
            batch.push({ topic: BACKLOG_TOPIC, body });
          }
          await producer.sendBatch(batch);
        }
      }),
    );
    if (filled < COUNT)
      throw new Error(`Storing the backlog took over ${PHASE_MS} ms: ${filled} of ${COUNT} sent`);

    const grpcConsumer = async (group: string): Promise<GrpcConsumer> => {
      const c = new SimpleConsumer({
        endpoints: broker.grpc,
        namespace: '',
        consumerGroup: group,
        subscriptions: new Map([[BACKLOG_TOPIC, '*']]),
        awaitDuration: 1000,
        logger: quietLogger,
      });
      await c.startup();
      cleanups.push(() => closeClient(c));
      return c;
    };
    const remotingConsumer = async (
      group: string,
    ): Promise<ReturnType<typeof client.createSimpleConsumer>> => {
      const c = client.createSimpleConsumer({
        consumerGroup: group,
        awaitDuration: 1000,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      });
      c.subscribe(BACKLOG_TOPIC);
      await c.start();
      cleanups.push(() => c.shutdown());
      return c;
    };

    // Each receive scenario drains the whole backlog in a consumer group of its own.
    const gc1 = await grpcConsumer('GID_grpc_bench_ack1');
    const gRecv1 = await withCpu(pid, () =>
      drain(
        () => gc1.receive(BATCH, INVISIBLE_MS),
        (batch) => ackEach(batch, (m) => gc1.ack(m), 1),
      ),
    );
    const rcb = await remotingConsumer('GID_remoting_bench_batch');
    const rRecvBatch = await withCpu(pid, () =>
      drain(
        () => rcb.receive(BATCH, INVISIBLE_MS),
        (batch) => rcb.ack(batch),
      ),
    );
    const gc8 = await grpcConsumer('GID_grpc_bench_ack8');
    const gRecv8 = await withCpu(pid, () =>
      drain(
        () => gc8.receive(BATCH, INVISIBLE_MS),
        (batch) => ackEach(batch, (m) => gc8.ack(m), ACKS_IN_FLIGHT),
      ),
    );
    const rc1 = await remotingConsumer('GID_remoting_bench_ack1');
    const rRecv1 = await withCpu(pid, () =>
      drain(
        () => rc1.receive(BATCH, INVISIBLE_MS),
        (batch) => ackEach(batch, (m) => rc1.ack(m), 1),
      ),
    );
    const drains = {
      GID_grpc_bench_ack1: gRecv1,
      GID_grpc_bench_ack8: gRecv8,
      GID_remoting_bench_batch: rRecvBatch,
      GID_remoting_bench_ack1: rRecv1,
    };
    // The acks took: every queue's consumer offset of each group that drained the whole backlog
    // is at the end of the queue.
    const acked = new Map<Drained, boolean>();
    for (const [group, d] of Object.entries(drains))
      acked.set(d, !d.timedOut && (await allAcked(broker.namesrv, group, BACKLOG_TOPIC)));
    const all = Object.values(drains);

    const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
    const result = {
      grpc_send_1_msgs_s: g1.rate,
      grpc_send_p50_us: percentile(g1.lat, 50),
      grpc_send_p99_us: percentile(g1.lat, 99),
      grpc_send_64_msgs_s: g64.rate,
      grpc_send_64_p50_us: percentile(g64.lat, 50),
      grpc_send_64_p99_us: percentile(g64.lat, 99),
      remoting_send_1_msgs_s: r1.rate,
      remoting_send_p50_us: percentile(r1.lat, 50),
      remoting_send_p99_us: percentile(r1.lat, 99),
      remoting_send_64_msgs_s: r64.rate,
      remoting_send_64_p50_us: percentile(r64.lat, 50),
      remoting_send_64_p99_us: percentile(r64.lat, 99),
      grpc_receive_ack_msgs_s: gRecv1.rate,
      grpc_receive_ack8_msgs_s: gRecv8.rate,
      remoting_receive_ack_msgs_s: rRecvBatch.rate,
      remoting_receive_ack_each_msgs_s: rRecv1.rate,
      ratio_send_1: ratio(g1.rate, r1.rate),
      ratio_send_64: ratio(g64.rate, r64.rate),
      ratio_receive_ack: ratio(Math.max(gRecv1.rate, gRecv8.rate), rRecvBatch.rate),
      ratio_receive_ack_each: ratio(gRecv1.rate, rRecv1.rate),
      grpc_send_64_cpu_broker_us: g64.cpu.broker,
      grpc_send_64_cpu_client_us: g64.cpu.client,
      remoting_send_64_cpu_broker_us: r64.cpu.broker,
      remoting_send_64_cpu_client_us: r64.cpu.client,
      grpc_receive_ack8_cpu_broker_us: gRecv8.cpu.broker,
      grpc_receive_ack8_cpu_client_us: gRecv8.cpu.client,
      remoting_receive_ack_cpu_broker_us: rRecvBatch.cpu.broker,
      remoting_receive_ack_cpu_client_us: rRecvBatch.cpu.client,
      backlog: COUNT,
      duplicates: all.reduce((n, d) => n + d.duplicates, 0),
      missing: all.reduce((n, d) => n + d.missing, 0),
      timed_out: all.some((d) => d.timedOut),
      all_acked: all.every((d) => acked.get(d)),
      quick,
    };
    const cpu = (c: Cpu): string => `CPU/msg broker ${c.broker} us, client ${c.client} us`;
    const sent = (r: Awaited<ReturnType<typeof closedLoop>> & { cpu: Cpu }): string =>
      `${r.rate.toLocaleString()} msgs/s, p50 ${percentile(r.lat, 50)} us, ` +
      `p99 ${percentile(r.lat, 99)} us; ${cpu(r.cpu)}`;
    const drained = (d: Drained & { cpu: Cpu }): string =>
      `${d.rate.toLocaleString()} msgs/s; ${cpu(d.cpu)}; ${d.count.toLocaleString()} in ` +
      `${d.seconds} s, ${d.duplicates} dup, ${d.missing} missing` +
      (d.timedOut ? ' (time bound hit)' : acked.get(d) ? ', all acked' : ', NOT ALL ACKED');
    const rows: [string, string][] = [
      ['gRPC send, 1 in flight', sent(g1)],
      ['Remoting send, 1 in flight', sent(r1)],
      ['gRPC send, 64 in flight', sent(g64)],
      ['Remoting send, 64 in flight', sent(r64)],
      ['gRPC receive 32 + ack each', drained(gRecv1)],
      [`gRPC receive 32 + ${ACKS_IN_FLIGHT} acks in flight`, drained(gRecv8)],
      ['Remoting receive 32 + batch ack', drained(rRecvBatch)],
      ['Remoting receive 32 + ack each', drained(rRecv1)],
      [
        'gRPC / Remoting',
        `send ${result.ratio_send_1}x (1 in flight), ${result.ratio_send_64}x (64); ` +
          `receive+ack ${result.ratio_receive_ack}x (best gRPC / batch ack), ` +
          `${result.ratio_receive_ack_each}x (ack each, both)`,
      ],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(
      `gRPC benchmark: rocketmq-client-nodejs beside the rocketmq-ts SDK over Remoting, 1 KiB ` +
        `bodies, ${COUNT.toLocaleString()} msgs per phase${quick ? ' (quick)' : ''}`,
    );
    for (const [a, b] of rows) console.log(`${a.padEnd(w)}  ${b}`);
    console.log(JSON.stringify(result));
    // Lost or repeated messages, or acks that did not take, are bugs: fail the run.
    if (result.duplicates > 0 || !all.every((d) => d.timedOut || acked.get(d)))
      process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await stop(broker.child);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
