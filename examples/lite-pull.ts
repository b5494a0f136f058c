// Lite pull: read at your own pace with poll() or `for await`, commit when processed.
import { createClient } from 'rocketmq-ts/client';

const client = createClient({ namesrvAddr: process.env.NAMESRV_ADDR ?? '127.0.0.1:9876' });
const topic = `LitePull_${Date.now()}`;
const producer = client.createProducer({ producerGroup: 'PID_lite' });
await producer.start();
for (let i = 0; i < 20; i++) await producer.send({ topic, body: `event ${i}` });

const consumer = client.createLitePullConsumer({
  consumerGroup: 'GID_lite',
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  autoCommit: false,
});
await consumer.start();
await consumer.subscribe(topic);
let count = 0;
const deadline = Date.now() + 20000;
for await (const message of consumer) {
  console.log(
    `polled ${message.body.toString()} from queue ${message.queueId}@${message.queueOffset}`,
  );
  if (++count === 20 || Date.now() > deadline) break;
}
await consumer.commit();
await consumer.shutdown();
await producer.shutdown();
await client.shutdown();
if (count !== 20) throw new Error(`polled ${count} of 20`);
