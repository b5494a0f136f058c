/**
 * SDK benchmark (run by `npm run bench` after the Remoting one): the rocketmq-ts producer against
 * `rmq start` in another process (1 and 32 in flight, batches), then end-to-end latency from send
 * to a push consumer's handler (a third process) at fixed rates of 1k and 10k msgs/s, and that
 * consumer's peak RSS. 1 KiB bodies. Prints a table, then one JSON line. `-- --quick` for short.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../src/client/index.ts';
import { launch, launchStandalone, peakRssMb, percentile, stop } from './bench-util.ts';

const quick = process.argv.includes('--quick');
const CONSUMER = new URL('./sdk-consumer.ts', import.meta.url).pathname;
const BODY = Buffer.alloc(1024, 0x63);
const TOPIC = 'SdkBenchTopic';
const root = mkdtempSync(join(tmpdir(), 'rmq-sdkbench-'));

const now = (): number => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const broker = await launchStandalone(root);
  const namesrv = broker.namesrv;
  const client = createClient({
    namesrvAddr: namesrv,
    clientIP: '127.0.0.1',
    instanceName: `bench-producer-${process.pid}`,
  });
  const producer = client.createProducer({ producerGroup: 'PID_sdk_bench' });
  await producer.start();
  try {
    await producer.send({ topic: TOPIC, body: BODY }); // creates the topic (TBW102), warms up
    // End-to-end latency first, on a fresh broker: after the throughput phases have written
    // hundreds of MB, page-cache writeback throttles the broker's writes for a while (measured:
    // p99 ~1 s at 1k msgs/s right after them, 3 ms on a fresh broker). The consumer runs in its
    // own process.
    const consumer = await launch(
      ['--import', 'tsx', CONSUMER, namesrv, TOPIC],
      ['ignore', 'pipe', 'inherit', 'ipc'],
    );
    await new Promise((r) => setTimeout(r, 1500)); // its rebalance and first pulls settle
    const atRate = async (
      rate: number,
      seconds: number,
    ): Promise<{ p50: number; p99: number; count: number }> => {
      const phase = `r${rate}`;
      const total = rate * seconds;
      const t0 = performance.now();
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(
          producer.send({ topic: TOPIC, body: BODY, properties: { phase, t: String(now()) } }),
        );
        if (inFlight.length > 256) await inFlight.splice(0, 128)[127];
      }
      await Promise.all(inFlight);
      const reply = await new Promise<{ latencies: number[] }>((resolve) => {
        consumer.child.once('message', (m) => resolve(m as { latencies: number[] }));
        consumer.child.send({ phase, expect: total });
      });
      return {
        p50: percentile(reply.latencies, 50),
        p99: percentile(reply.latencies, 99),
        count: reply.latencies.length,
      };
    };
    const e2e1k = await atRate(1000, quick ? 2 : 5);
    const e2e10k = await atRate(10000, quick ? 2 : 5);
    const consumerRss = peakRssMb(consumer.child.pid);
    await stop(consumer.child);

    const closedLoop = async (
      count: number,
      window: number,
      seconds: number,
    ): Promise<{ rate: number; lat: number[] }> => {
      const lat: number[] = [];
      const t0 = performance.now();
      let issued = 0;
      const worker = async (): Promise<void> => {
        while (issued < count && performance.now() - t0 < seconds * 1000) {
          issued++;
          const s = performance.now();
          await producer.send({ topic: TOPIC, body: BODY });
          lat.push((performance.now() - s) * 1000);
        }
      };
      await Promise.all(Array.from({ length: window }, worker));
      return { rate: Math.round(lat.length / ((performance.now() - t0) / 1000)), lat };
    };
    await closedLoop(2000, 8, 10);
    const p1 = await closedLoop(quick ? 5000 : 20000, 1, 20);
    const p32 = await closedLoop(quick ? 40000 : 150000, 32, 30);
    const batches = quick ? 1000 : 4000;
    const tb = performance.now();
    const batch = Array.from({ length: 32 }, () => ({ topic: TOPIC, body: BODY }));
    let sentBatches = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sentBatches < batches && performance.now() - tb < 30000) {
          sentBatches++;
          await producer.sendBatch(batch);
        }
      }),
    );
    const batchRate = Math.round((sentBatches * 32) / ((performance.now() - tb) / 1000));

    // Transactions: half message + local transaction (a no-op commit) + END_TRANSACTION, 32 in flight.
    const tx = client.createTransactionProducer({
      producerGroup: 'PID_sdk_bench_tx',
      transactionListener: {
        executeLocalTransaction: () => 'COMMIT_MESSAGE',
        checkLocalTransaction: () => 'COMMIT_MESSAGE',
      },
    });
    await tx.start();
    const txCount = quick ? 5000 : 20000;
    const tt = performance.now();
    let txIssued = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (txIssued < txCount && performance.now() - tt < 30000) {
          txIssued++;
          await tx.sendMessageInTransaction({ topic: TOPIC, body: BODY });
        }
      }),
    );
    const txRate = Math.round(txIssued / ((performance.now() - tt) / 1000));
    await tx.shutdown();

    const result = {
      sdk_send1_msgs_s: p1.rate,
      sdk_send1_p50_us: percentile(p1.lat, 50),
      sdk_send1_p99_us: percentile(p1.lat, 99),
      sdk_send32_msgs_s: p32.rate,
      sdk_send32_p50_us: percentile(p32.lat, 50),
      sdk_send32_p99_us: percentile(p32.lat, 99),
      sdk_batch32_msgs_s: batchRate,
      transactions_s: txRate,
      e2e_1k_p50_us: e2e1k.p50,
      e2e_1k_p99_us: e2e1k.p99,
      e2e_1k_received: e2e1k.count,
      e2e_10k_p50_us: e2e10k.p50,
      e2e_10k_p99_us: e2e10k.p99,
      e2e_10k_received: e2e10k.count,
      consumer_peak_rss_mb: consumerRss,
      quick,
    };
    const rows: [string, string][] = [
      [
        'SDK send, 1 in flight',
        `${result.sdk_send1_msgs_s.toLocaleString()} msgs/s, p50 ${result.sdk_send1_p50_us} us, p99 ${result.sdk_send1_p99_us} us`,
      ],
      [
        'SDK send, 32 in flight',
        `${result.sdk_send32_msgs_s.toLocaleString()} msgs/s, p50 ${result.sdk_send32_p50_us} us, p99 ${result.sdk_send32_p99_us} us`,
      ],
      [
        'SDK batch send, 32 per batch, 8 in flight',
        `${result.sdk_batch32_msgs_s.toLocaleString()} msgs/s`,
      ],
      [
        'transactions (half + commit), 32 in flight',
        `${result.transactions_s.toLocaleString()} tx/s`,
      ],
      [
        'send -> handler at 1k msgs/s',
        `p50 ${result.e2e_1k_p50_us} us, p99 ${result.e2e_1k_p99_us} us (${result.e2e_1k_received} msgs)`,
      ],
      [
        'send -> handler at 10k msgs/s',
        `p50 ${result.e2e_10k_p50_us} us, p99 ${result.e2e_10k_p99_us} us (${result.e2e_10k_received} msgs)`,
      ],
      ['push consumer peak RSS', `${consumerRss} MB`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`SDK benchmark, 1 KiB bodies, broker ASYNC_FLUSH${quick ? ' (quick)' : ''}`);
    for (const [a, b] of rows) console.log(`${a.padEnd(w)}  ${b}`);
    console.log(JSON.stringify(result));
  } finally {
    await producer.shutdown();
    await client.shutdown();
    await stop(broker.child);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
