// Broadcasting: every consumer instance of the group gets every message.
import { createClient } from 'rocketmq-ts/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const namesrvAddr = process.env.NAMESRV_ADDR ?? '127.0.0.1:9876';
const topic = `Broadcast_${Date.now()}`;
const offsets = mkdtempSync(join(tmpdir(), 'rmq-example-'));
const producerClient = createClient({ namesrvAddr });
const producer = producerClient.createProducer({ producerGroup: 'PID_broadcast' });
await producer.start();
await producer.send({ topic, body: 'warm-up: creates the topic' });

const instances = [0, 1].map((i) => {
  const client = createClient({ namesrvAddr, instanceName: `broadcast-${i}` });
  const consumer = client.createPushConsumer({
    consumerGroup: 'GID_broadcast',
    messageModel: 'BROADCASTING',
    offsetStorePath: join(offsets, `${i}.json`),
  });
  const got = new Set<string>();
  consumer.subscribe(topic, '*', (message) => {
    got.add(message.body.toString());
  });
  return { client, consumer, got };
});
for (const { consumer } of instances) await consumer.start();
for (let i = 0; i < 5; i++) await producer.send({ topic, body: `notice ${i}` });

const deadline = Date.now() + 20000;
while (
  instances.some((x) => [...x.got].filter((b) => b.startsWith('notice')).length < 5) &&
  Date.now() < deadline
) {
  await new Promise((r) => setTimeout(r, 50));
}
instances.forEach((x, i) =>
  console.log(
    `instance ${i} got ${[...x.got].filter((b) => b.startsWith('notice')).length} notices`,
  ),
);
for (const { consumer, client } of instances) {
  await consumer.shutdown();
  await client.shutdown();
}
await producer.shutdown();
await producerClient.shutdown();
if (instances.some((x) => [...x.got].filter((b) => b.startsWith('notice')).length !== 5))
  throw new Error('an instance missed a notice');
