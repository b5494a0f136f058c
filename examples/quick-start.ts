// Quick start: send a few messages, consume them with a push consumer, shut down.
// Run against `npx rmq start`: NAMESRV_ADDR=127.0.0.1:9876 npx tsx examples/quick-start.ts
import { createClient } from 'rocketmq-ts/client';

const client = createClient({ namesrvAddr: process.env.NAMESRV_ADDR ?? '127.0.0.1:9876' });
const topic = `QuickStart_${Date.now()}`;

const producer = client.createProducer({ producerGroup: 'PID_quick_start' });
await producer.start();
for (let i = 0; i < 10; i++) {
  const result = await producer.send({
    topic,
    body: `hello ${i}`,
    tags: 'TagA',
    keys: [`order-${i}`],
  });
  console.log(
    `sent ${result.msgId} to queue ${result.messageQueue.queueId} at offset ${result.queueOffset}`,
  );
}

const received = new Set<string>();
let resolveAll!: () => void;
const allReceived = new Promise<void>((resolve) => (resolveAll = resolve));
const consumer = client.createPushConsumer({
  consumerGroup: 'GID_quick_start',
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
consumer.subscribe(topic, 'TagA', (message) => {
  received.add(message.body.toString());
  console.log(`received ${message.body.toString()} (keys ${message.keys.join(',')})`);
  if (received.size === 10) resolveAll();
});
await consumer.start();
let timer: NodeJS.Timeout | undefined;
await Promise.race([
  allReceived,
  new Promise(
    (_r, reject) =>
      (timer = setTimeout(() => reject(new Error('timed out waiting for messages')), 20000)),
  ),
]);
clearTimeout(timer);

await consumer.shutdown();
await producer.shutdown();
await client.shutdown();
