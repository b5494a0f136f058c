/**
 * Timer-message benchmark (run by `npm run bench` after the gRPC one): the rocketmq-ts producer
 * schedules 1,000,000 timer messages (`deliveryTimestamp`, 64-byte bodies, 512 sends in flight)
 * against `rmq start` in another process, all due after the last send is acknowledged, so the whole
 * set is pending at once; then the broker's RSS with them pending, and, once the wheel has
 * delivered them, the delivery lag of each (its store time under the real topic minus its due
 * time, both from the broker's clock). `-- --quick` for 100,000. Prints a table, then one JSON line.
 *
 * The bench process sits idle while the wheel delivers (it only polls the queues' max offsets once
 * a second) and pulls the delivered messages afterwards: the lag is read from the broker's store
 * timestamps, so consuming later does not change it, and consuming during delivery would take CPU
 * from the broker on this 2-core machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../src/client/index.ts';
import { MessageConst } from '../src/common/message/message-const.ts';
import { launchStandalone, peakRssMb, percentile, stop } from './bench-util.ts';

const quick = process.argv.includes('--quick');
const COUNT = quick ? 100_000 : 1_000_000;
/** The first due time, after the sends start: the sends must all be acknowledged before it. */
const LEAD_MS = quick ? 25_000 : 120_000;
/** Due times are spread evenly over this span, in a scrambled order (not the order of sending). */
const SPREAD_MS = quick ? 15_000 : 60_000;
/** How long after the last due time the wheel may take before the bench gives up waiting. */
const DRAIN_LIMIT_MS = quick ? 30_000 : 60_000;
const PULL_LIMIT_MS = quick ? 30_000 : 90_000;
const IN_FLIGHT = 512;
const BODY_SIZE = 64;
const PRECISION_MS = 1000;
const TOPIC = 'TimerBenchTopic';
const root = mkdtempSync(join(tmpdir(), 'rmq-timerbench-'));

/** A permutation of 0..COUNT-1 (the multiplier is coprime with COUNT), so due order != send order. */
const dueRank = (i: number): number => (i * 2654435761) % COUNT;

/** Current resident set of a process (VmRSS), in MB. */
function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function main(): Promise<void> {
  const broker = await launchStandalone(root, [
    `--timerPrecisionMs=${PRECISION_MS}`,
    // The read-back pulls up to 1,024 at a time (the 256 KiB byte cap still applies).
    '--maxTransferCountOnMessageInMemory=1024',
  ]);
  const client = createClient({
    namesrvAddr: broker.namesrv,
    clientIP: '127.0.0.1',
    instanceName: `bench-timer-${process.pid}`,
  });
  const producer = client.createProducer({ producerGroup: 'PID_timer_bench' });
  const consumer = client.createPullConsumer({ consumerGroup: 'GID_timer_bench' });
  await producer.start();
  await consumer.start();
  try {
    // Creates the topic (TBW102) with a plain message; the read-back counts it apart.
    await producer.send({ topic: TOPIC, body: Buffer.alloc(BODY_SIZE) });
    const rssIdle = rssMb(broker.child.pid);

    // 1. Scheduling: closed loop, IN_FLIGHT sends outstanding, every one a timer message.
    const t0 = Date.now();
    const firstDue = t0 + LEAD_MS;
    const dueOf = (i: number): number => firstDue + Math.floor((dueRank(i) * SPREAD_MS) / COUNT);
    const sendDeadline = firstDue - 5000;
    let next = 0;
    let acked = 0;
    let failed = 0;
    let firstError: string | undefined;
    const sent = new Uint8Array(COUNT);
    const s0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < COUNT && Date.now() < sendDeadline) {
          const i = next++;
          const body = Buffer.alloc(BODY_SIZE, 0x74);
          body.writeUInt32BE(i, 0);
          try {
            await producer.send({ topic: TOPIC, body, deliveryTimestamp: dueOf(i) });
            sent[i] = 1;
            acked++;
          } catch (err) {
            failed++;
            firstError ??= err instanceof Error ? err.message : JSON.stringify(err);
          }
        }
      }),
    );
    const sendSeconds = (performance.now() - s0) / 1000;
    const sendEnd = Date.now();
    const scheduledRate = Math.round(acked / sendSeconds);
    // 2. The broker with every timer pending (the wheel enqueues from the timer topic as it goes).
    const rssPending = rssMb(broker.child.pid);
    const peakPending = peakRssMb(broker.child.pid);

    // 3. Wait for the wheel: until every acknowledged message is in the topic, or the limit.
    const queues = await consumer.fetchSubscribeMessageQueues(TOPIC);
    const lastDue = firstDue + SPREAD_MS;
    const waitLimit = lastDue + DRAIN_LIMIT_MS;
    let inTopic = 0;
    while (Date.now() < waitLimit) {
      const max = await Promise.all(queues.map((q) => consumer.maxOffset(q)));
      inTopic = max.reduce((a, b) => a + b, 0);
      if (inTopic >= acked + 1) break;
      await new Promise((r) => setTimeout(r, Date.now() < firstDue ? 2000 : 1000));
    }
    const peakRss = peakRssMb(broker.child.pid);

    // 4. Read everything back: lag = store time under the real topic - due time (TIMER_OUT_MS).
    const seen = new Uint8Array(COUNT);
    const lags = new Float64Array(COUNT * 2);
    const pastSlot = new Float64Array(COUNT * 2);
    // Per slot: messages, and the last store time past the boundary (how long the slot took).
    const slots = Math.ceil((SPREAD_MS + DRAIN_LIMIT_MS) / PRECISION_MS) + 2;
    const slotCount = new Uint32Array(slots);
    const slotDone = new Float64Array(slots);
    const firstSlot = Math.ceil(firstDue / PRECISION_MS) * PRECISION_MS;
    let delivered = 0;
    let duplicates = 0;
    let untimed = 0;
    let minStore = Infinity;
    let maxStore = 0;
    let minLag = Infinity;
    const pullDeadline = Date.now() + PULL_LIMIT_MS;
    const p0 = performance.now();
    await Promise.all(
      queues.map(async (q) => {
        const end = await consumer.maxOffset(q);
        let offset = await consumer.minOffset(q);
        while (offset < end && Date.now() < pullDeadline) {
          const r = await consumer.pull(q, '*', offset, 1024);
          if (r.nextBeginOffset <= offset) break;
          offset = r.nextBeginOffset;
          for (const m of r.messages) {
            const out = m.properties.get(MessageConst.PROPERTY_TIMER_OUT_MS);
            if (out === undefined) {
              untimed++;
              continue;
            }
            const i = m.body.readUInt32BE(0);
            if (i >= COUNT) continue;
            if (seen[i] === 1) duplicates++;
            seen[i] = 1;
            const due = Number(out);
            const lag = m.storeTimestamp - due;
            if (delivered < lags.length) {
              lags[delivered] = lag;
              const slot = Math.ceil(due / PRECISION_MS) * PRECISION_MS;
              pastSlot[delivered] = m.storeTimestamp - slot;
              const k = Math.min(slots - 1, Math.max(0, (slot - firstSlot) / PRECISION_MS));
              slotCount[k] = (slotCount[k] ?? 0) + 1;
              slotDone[k] = Math.max(slotDone[k] ?? 0, m.storeTimestamp - slot);
            }
            delivered++;
            if (lag < minLag) minLag = lag;
            if (m.storeTimestamp < minStore) minStore = m.storeTimestamp;
            if (m.storeTimestamp > maxStore) maxStore = m.storeTimestamp;
          }
        }
      }),
    );
    const pullSeconds = (performance.now() - p0) / 1000;
    let missing = 0;
    let unacked = 0;
    for (let i = 0; i < COUNT; i++) {
      if (sent[i] === 1 && seen[i] !== 1) missing++;
      if (sent[i] !== 1 && seen[i] === 1) unacked++; // stored though the send reported a failure
    }
    const lagList = Array.from(lags.subarray(0, Math.min(delivered, lags.length)));
    const slotList = Array.from(pastSlot.subarray(0, Math.min(delivered, lags.length)));
    const unique = delivered - duplicates;
    // Delivery capacity: messages of the busy slots over the time from each boundary to its last store.
    let busyMsgs = 0;
    let busyMs = 0;
    let busiest = 0;
    for (let k = 0; k < slots; k++) {
      const n = slotCount[k] ?? 0;
      busiest = Math.max(busiest, n);
      if (n < 1000) continue;
      busyMsgs += n;
      busyMs += Math.max(1, slotDone[k] ?? 0);
    }

    const result = {
      timer_messages: COUNT,
      timer_body_bytes: BODY_SIZE,
      timer_scheduled_msgs_s: scheduledRate,
      timer_send_failures: failed,
      timer_all_pending_before_first_due: sendEnd < firstDue,
      timer_broker_rss_idle_mb: rssIdle,
      timer_broker_rss_pending_mb: rssPending,
      timer_broker_peak_rss_pending_mb: peakPending,
      timer_broker_peak_rss_mb: peakRss,
      timer_delivered: unique,
      timer_plain_in_topic: untimed,
      timer_duplicates: duplicates,
      timer_missing: missing,
      timer_stored_despite_failed_send: unacked,
      timer_lag_p50_ms: percentile(lagList, 50),
      timer_lag_p99_ms: percentile(lagList, 99),
      timer_lag_max_ms: percentile(lagList, 100),
      timer_lag_min_ms: unique > 0 ? minLag : 0,
      timer_past_slot_p50_ms: percentile(slotList, 50),
      timer_past_slot_p99_ms: percentile(slotList, 99),
      timer_past_slot_max_ms: percentile(slotList, 100),
      timer_spread_s: SPREAD_MS / 1000,
      timer_delivery_span_s: unique > 0 ? Math.round((maxStore - minStore) / 100) / 10 : 0,
      timer_drained_after_last_due_ms: unique > 0 ? maxStore - lastDue : 0,
      timer_due_msgs_s: Math.round((COUNT * 1000) / SPREAD_MS),
      timer_busiest_slot_msgs: busiest,
      timer_slot_drain_msgs_s: busyMs > 0 ? Math.round((busyMsgs * 1000) / busyMs) : 0,
      timer_delivered_msgs_s:
        unique > 0 ? Math.round((unique * 1000) / (Math.max(maxStore, lastDue) - firstDue)) : 0,
      timer_readback_msgs_s: Math.round(delivered / pullSeconds),
      quick,
    };
    const rows: [string, string][] = [
      [
        'timer messages scheduled, 512 in flight',
        `${result.timer_scheduled_msgs_s.toLocaleString()} msgs/s (${acked.toLocaleString()} in ${sendSeconds.toFixed(1)} s, ${failed} failed)`,
      ],
      [
        `broker RSS, ${acked.toLocaleString()} timers pending`,
        `${rssPending} MB (${rssIdle} MB idle; peak ${peakPending} MB so far, ${peakRss} MB after delivery)`,
      ],
      [
        'delivered exactly once',
        `${unique.toLocaleString()} of ${acked.toLocaleString()}; ${duplicates} duplicates, ${missing} missing`,
      ],
      [
        'lag: store time - due time',
        `p50 ${result.timer_lag_p50_ms} ms, p99 ${result.timer_lag_p99_ms} ms, max ${result.timer_lag_max_ms} ms, min ${result.timer_lag_min_ms} ms`,
      ],
      [
        `lag past the slot boundary (${PRECISION_MS} ms slots)`,
        `p50 ${result.timer_past_slot_p50_ms} ms, p99 ${result.timer_past_slot_p99_ms} ms, max ${result.timer_past_slot_max_ms} ms`,
      ],
      [
        `delivery, ${result.timer_due_msgs_s.toLocaleString()} msgs/s due over ${result.timer_spread_s} s`,
        `${result.timer_delivered_msgs_s.toLocaleString()} msgs/s; first to last store ${result.timer_delivery_span_s} s, the last ${result.timer_drained_after_last_due_ms} ms after the last due time`,
      ],
      [
        'one slot emptied (wheel capacity)',
        `${result.timer_slot_drain_msgs_s.toLocaleString()} msgs/s (busiest slot ${busiest.toLocaleString()} msgs)`,
      ],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(
      `Timer benchmark, ${BODY_SIZE}-byte bodies, due ${LEAD_MS / 1000}-${(LEAD_MS + SPREAD_MS) / 1000} s after the first send in scrambled order, broker ASYNC_FLUSH${quick ? ' (quick)' : ''}`,
    );
    for (const [a, b] of rows) console.log(`${a.padEnd(w)}  ${b}`);
    if (firstError !== undefined) console.log(`first send failure: ${firstError}`);
    if (inTopic < acked + 1)
      console.log(
        `the wheel had stored ${inTopic - 1} of ${acked} when the bench stopped waiting, ${DRAIN_LIMIT_MS / 1000} s after the last due time`,
      );
    console.log(JSON.stringify(result));
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await client.shutdown();
    await stop(broker.child);
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
