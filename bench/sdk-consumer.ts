// Child process of sdk-bench.ts: a push consumer that records, per phase, the latency from the
// producer's send (property `t`, high-resolution wall clock in ms) to the handler.
import { createClient } from '../src/client/index.ts';

const [namesrvAddr = '', topic = ''] = process.argv.slice(2);
const latencies = new Map<string, number[]>();
const client = createClient({
  namesrvAddr,
  clientIP: '127.0.0.1',
  instanceName: `bench-consumer-${process.pid}`,
});
const consumer = client.createPushConsumer({
  consumerGroup: 'GID_sdk_bench',
  consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
});
consumer.subscribe(topic, '*', (m) => {
  const now = performance.timeOrigin + performance.now();
  const phase = m.properties.get('phase') ?? '';
  const sent = Number(m.properties.get('t'));
  let list = latencies.get(phase);
  if (!list) latencies.set(phase, (list = []));
  list.push((now - sent) * 1000);
});
await consumer.start();
process.on('message', (msg: { phase: string; expect: number }) => {
  const deadline = Date.now() + 30000;
  const check = (): void => {
    const got = latencies.get(msg.phase) ?? [];
    if (got.length >= msg.expect || Date.now() > deadline)
      process.send?.({ phase: msg.phase, latencies: got });
    else setTimeout(check, 20);
  };
  check();
});
process.once(
  'SIGTERM',
  () =>
    void consumer
      .shutdown()
      .then(() => client.shutdown())
      .then(() => process.exit(0)),
);
process.stdout.write('ready\n');
