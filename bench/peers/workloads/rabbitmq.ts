/**
 * The bench:peers workload against RabbitMQ over AMQP 0-9-1 (amqplib): durable queue, persistent
 * 1 KiB messages, publisher confirms; one JSON line per phase on stdout. The producer and the
 * reader are separate processes:
 *
 *   node --import tsx bench/peers/workloads/rabbitmq.ts --port=5672 --type=quorum \
 *     --phases=sync,pipe --count=100000 --window=1000 --seconds=20 --size=1024 --spid=<beam pid>
 *   node --import tsx bench/peers/workloads/rabbitmq.ts --port=5672 --type=quorum \
 *     --phases=read --count=100000 --batch=1000 --seconds=20 --spid=<beam pid>
 *
 * --type=classic | quorum | stream (x-queue-type; classic is a durable classic queue)
 * sync : publish and await its confirm before the next, queue bench.<type>.sync (deleted after)
 * pipe : --pipeCount (default --count) messages, up to --window unconfirmed publishes, queue bench.<type>.pipe, recreated
 * read : consume bench.<type>.pipe with prefetch --batch, one multiple-ack per 100 messages
 *        (stream: from x-stream-offset first). Reads min(--count, expected) messages, where
 *        expected is the queue's messageCount, or for a stream (which reports 0) --expected,
 *        else --count.
 */
import amqp from 'amqplib';
import * as kit from '../workload-kit.ts';

const o = kit.workloadOptions('rabbitmq', { port: 5672, type: 'classic' });
const type = String(o.args.type);
if (type !== 'classic' && type !== 'quorum' && type !== 'stream') {
  throw new Error(`Unknown queue type '${type}': use classic, quorum or stream`);
}
const { count, pipeCount, seconds, spid, phases } = o;
const body = kit.payload(o.size);
const SYNC = `bench.${type}.sync`;
const PIPE = `bench.${type}.pipe`;
const queueArgs = type === 'classic' ? {} : { 'x-queue-type': type };

const conn = await amqp.connect(`amqp://guest:guest@${o.host}:${o.port}`);
try {
  const ch = await conn.createConfirmChannel();
  const freshQueue = async (name: string): Promise<void> => {
    await ch.deleteQueue(name);
    await ch.assertQueue(name, { durable: true, autoDelete: false, arguments: queueArgs });
  };
  const publish = (queue: string): Promise<void> =>
    new Promise((resolve, reject) => {
      ch.publish('', queue, body, { persistent: true }, (err: unknown) => {
        if (err) reject(err instanceof Error ? err : new Error(`Publish to ${queue} nacked`));
        else resolve();
      });
    });

  if (phases.includes('sync')) {
    await freshQueue(SYNC);
    const cs = kit.cpuStart(spid);
    const res = await kit.syncLoop(count, seconds, () => publish(SYNC));
    kit.emit({ phase: 'sync', ...res, ...kit.cpuEnd(cs, spid) });
    await ch.deleteQueue(SYNC);
  }
  if (phases.includes('pipe')) {
    await freshQueue(PIPE);
    const cs = kit.cpuStart(spid);
    const res = await kit.windowLoop(pipeCount, o.window, seconds, () => publish(PIPE));
    kit.emit({ phase: 'pipe', ...res, expected: res.msgs, ...kit.cpuEnd(cs, spid) });
  }
  if (phases.includes('read')) {
    const cch = await conn.createChannel();
    const q = await cch.checkQueue(PIPE);
    // stream queues report messageCount 0 over AMQP
    const expected = type === 'stream' ? (o.expected ?? count) : q.messageCount;
    const target = Math.min(count, expected);
    await cch.prefetch(o.batch);
    let n = 0;
    const cs = kit.cpuStart(spid);
    const t0 = performance.now();
    if (target > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, seconds * 1000);
        const args = type === 'stream' ? { 'x-stream-offset': 'first' } : {};
        cch
          .consume(
            PIPE,
            (m) => {
              if (!m || n >= target) return;
              n++;
              if (n % 100 === 0 || n >= target) cch.ack(m, true);
              if (n >= target) {
                clearTimeout(timer);
                resolve();
              }
            },
            { noAck: false, arguments: args },
          )
          .catch((e: unknown) => {
            clearTimeout(timer);
            reject(e instanceof Error ? e : new Error(String(e)));
          });
      });
    }
    kit.emitRead(n, t0, expected, cs, spid);
    await cch.close();
  }
  await ch.close();
  await conn.close();
} catch (e) {
  process.stderr.write(`rabbitmq workload failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  await conn.close().catch(() => undefined);
  process.exitCode = 1;
}
