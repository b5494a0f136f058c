// Orderly: messages with the same sharding key go to one queue and are handled one at a time, in
// order, by the one consumer that holds the queue's lock.
import { createClient } from 'rocketmq-ts/client';

const client = createClient({ namesrvAddr: process.env.NAMESRV_ADDR ?? '127.0.0.1:9876' });
const topic = `Orderly_${Date.now()}`;
const producer = client.createProducer({ producerGroup: 'PID_orderly' });
await producer.start();
for (const step of ['created', 'paid', 'shipped', 'delivered']) {
  for (const order of ['order-1', 'order-2'])
    await producer.send({ topic, body: `${order} ${step}`, shardingKey: order });
}

const seen = new Map<string, string[]>();
const consumer = client.createPushConsumer({
  consumerGroup: 'GID_orderly',
  consumeOrderly: true,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
consumer.subscribe(topic, '*', (message) => {
  const [order = '', step = ''] = message.body.toString().split(' ');
  seen.set(order, [...(seen.get(order) ?? []), step]);
  console.log(`${order}: ${step}`);
});
await consumer.start();
const deadline = Date.now() + 20000;
while ([...seen.values()].flat().length < 8 && Date.now() < deadline)
  await new Promise((r) => setTimeout(r, 50));
await consumer.shutdown();
await producer.shutdown();
await client.shutdown();
for (const [order, steps] of seen) {
  if (steps.join(',') !== 'created,paid,shipped,delivered')
    throw new Error(`${order} out of order: ${steps.join(',')}`);
}
if (seen.size !== 2) throw new Error('missing orders');
