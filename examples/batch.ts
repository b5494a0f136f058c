// Batch send: up to 4 MiB of messages of one topic in one request.
import { createClient } from 'rocketmq-ts/client';

const client = createClient({ namesrvAddr: process.env.NAMESRV_ADDR ?? '127.0.0.1:9876' });
const producer = client.createProducer({ producerGroup: 'PID_batch' });
await producer.start();
const topic = `Batch_${Date.now()}`;
const messages = Array.from({ length: 100 }, (_v, i) => ({
  topic,
  body: `item ${i}`,
  keys: [`item-${i}`],
}));
const result = await producer.sendBatch(messages);
console.log(
  `sent ${messages.length} messages in one batch: queue ${result.messageQueue.queueId}, first offset ${result.queueOffset}`,
);
await producer.shutdown();
await client.shutdown();
