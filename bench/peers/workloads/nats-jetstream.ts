/**
 * The bench:peers workload against NATS JetStream (file storage, 1 replica), 1 KiB bodies, one
 * JSON line per phase on stdout. The producer and the reader are separate processes:
 *
 *   node --import tsx bench/peers/workloads/nats-jetstream.ts --port=4222 --phases=sync,pipe \
 *     --count=100000 --window=1000 --seconds=20 --size=1024 --spid=<nats-server pid>
 *   node --import tsx bench/peers/workloads/nats-jetstream.ts --port=4222 --phases=read \
 *     --count=100000 --batch=1000 --seconds=20 --spid=<pid>
 *
 * sync : await each js.publish (PubAck = stored), stream BENCH_SYNC (subject bench.sync)
 * pipe : --pipeCount (default --count) messages, up to --window publishes awaiting their PubAck, stream BENCH_PIPE, recreated
 * read : an ordered consumer (no acks) over BENCH_PIPE, consume({ max_messages: --batch }),
 *        until min(--count, messages in the stream) were read
 */
import { connect, StorageType, type JetStreamManager } from 'nats';
import * as kit from '../workload-kit.ts';

const o = kit.workloadOptions('nats-jetstream', { port: 4222 });
const { count, pipeCount, seconds, spid, phases } = o;
const body = new Uint8Array(kit.payload(o.size));

async function freshStream(jsm: JetStreamManager, name: string, subject: string): Promise<void> {
  const existing = await jsm.streams.names().next();
  if (existing.includes(name)) await jsm.streams.delete(name);
  await jsm.streams.add({
    name,
    subjects: [subject],
    storage: StorageType.File,
    num_replicas: 1,
  });
}

const nc = await connect({ servers: `${o.host}:${o.port}`, reconnect: false });
try {
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  if (phases.includes('sync')) {
    await freshStream(jsm, 'BENCH_SYNC', 'bench.sync');
    const cs = kit.cpuStart(spid);
    const res = await kit.syncLoop(count, seconds, () => js.publish('bench.sync', body));
    kit.emit({ phase: 'sync', ...res, ...kit.cpuEnd(cs, spid) });
  }
  if (phases.includes('pipe')) {
    await freshStream(jsm, 'BENCH_PIPE', 'bench.pipe');
    const cs = kit.cpuStart(spid);
    const res = await kit.windowLoop(pipeCount, o.window, seconds, () =>
      js.publish('bench.pipe', body),
    );
    kit.emit({ phase: 'pipe', ...res, expected: res.msgs, ...kit.cpuEnd(cs, spid) });
  }
  if (phases.includes('read')) {
    const expected = (await jsm.streams.info('BENCH_PIPE')).state.messages;
    const target = Math.min(count, expected);
    let n = 0;
    const cs = kit.cpuStart(spid);
    const t0 = performance.now();
    if (target > 0) {
      const consumer = await js.consumers.get('BENCH_PIPE'); // ordered consumer
      const iter = await consumer.consume({ max_messages: o.batch });
      const timer = setTimeout(() => void iter.close(), seconds * 1000);
      for await (const m of iter) {
        if (m.data.length > 0) n++;
        if (n >= target) break;
      }
      clearTimeout(timer);
    }
    kit.emitRead(n, t0, expected, cs, spid);
  }
  await nc.close();
} catch (e) {
  process.stderr.write(
    `nats-jetstream workload failed: ${e instanceof Error ? e.stack : String(e)}\n`,
  );
  await nc.close();
  process.exitCode = 1;
}
