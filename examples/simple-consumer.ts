// Message-level consumption (POP): a SimpleConsumer receives messages that stay invisible to the
// rest of its group until acknowledged; a timer message arrives at the time it asked for.
// Run against `npx rmq start`: NAMESRV_ADDR=127.0.0.1:9876 npx tsx examples/simple-consumer.ts
import { createClient } from 'rocketmq-ts/client';

const client = createClient({ namesrvAddr: process.env.NAMESRV_ADDR ?? '127.0.0.1:9876' });
const topic = `SimpleConsumer_${Date.now()}`;

const producer = client.createProducer({ producerGroup: 'PID_simple' });
await producer.start();
for (let i = 0; i < 5; i++) await producer.send({ topic, body: `job ${i}` });
const due = Date.now() + 2000;
await producer.send({ topic, body: 'reminder', deliveryTimestamp: due });

const consumer = client.createSimpleConsumer({
  consumerGroup: 'GID_simple',
  awaitDuration: 3000,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
consumer.subscribe(topic);
await consumer.start();

const done = new Set<string>();
const deadline = Date.now() + 20000;
while (done.size < 6) {
  if (Date.now() > deadline) throw new Error(`timed out; got ${[...done].join(', ')}`);
  for (const message of await consumer.receive(16, 30000)) {
    const body = message.body.toString();
    console.log(
      `received ${body} (attempt ${message.deliveryAttempt})` +
        (body === 'reminder' ? `, ${Date.now() - due} ms after it was due` : ''),
    );
    if (body === 'reminder' && Date.now() < due) throw new Error('the timer message came early');
    await consumer.ack(message);
    done.add(body);
  }
}

await consumer.shutdown();
await producer.shutdown();
await client.shutdown();
