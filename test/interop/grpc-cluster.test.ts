/**
 * rocketmq-client-nodejs (unmodified) through one gRPC endpoint of a cluster of two broker groups:
 * the endpoint spreads sends over both brokers and, when one stops, sends go on to the other
 * without the client seeing a failure, and every acknowledged message is still read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import rmq from 'rocketmq-client-nodejs';
import type { BrokerController } from '../../src/broker/broker-controller.ts';
import {
  createTopicOnBrokers,
  startAnotherBroker,
  startCluster,
  uniqueName,
} from '../helpers/start-cluster.ts';
import { closeClient, quietLogger, startGrpc } from '../helpers/start-grpc.ts';
import { waitUntil } from '../helpers/wait-for.ts';
import { call, rawClient } from '../helpers/grpc-raw.ts';

const { Producer, SimpleConsumer } = rmq;

function stored(broker: BrokerController, topic: string): number {
  return [0, 1].reduce((n, q) => n + broker.operations.offsets.maxOffset(topic, q), 0);
}

/** Whether something listens at host:port. */
function listening(addr: string): Promise<boolean> {
  const [host, port] = [
    addr.slice(0, addr.lastIndexOf(':')),
    Number(addr.slice(addr.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('rocketmq-client-nodejs through one endpoint of two brokers: sends spread over both; with broker-b stopped they go on to broker-a, and every acknowledged message is read', async (t) => {
  const cluster = await startCluster(t);
  const b = await startAnotherBroker(cluster, 'broker-b');
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('GrpcCluster');
  await createTopicOnBrokers(cluster, [cluster.broker, b.broker], topic, 2);
  const producer = new Producer({ endpoints: endpoint, namespace: '', topic, logger: quietLogger });
  await producer.startup();
  cluster.onStop(() => closeClient(producer));
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    consumerGroup: uniqueName('GID'),
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 1000,
    logger: quietLogger,
  });
  await consumer.startup();
  cluster.onStop(() => closeClient(consumer));

  const send = async (from: number, n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = from; i < from + n; i++)
      ids.push((await producer.send({ topic, body: Buffer.from(`m${i}`) })).messageId);
    return ids;
  };
  /** Receives and acks until every id came; a receive from a stopped broker fails and is retried. */
  const receiveAll = async (ids: string[]): Promise<Set<string>> => {
    const got = new Set<string>();
    const deadline = Date.now() + 20000;
    while (got.size < ids.length && Date.now() < deadline) {
      try {
        for (const m of await consumer.receive(16, 15000)) {
          got.add(m.messageId);
          await consumer.ack(m);
        }
      } catch {
        // The assignment named the stopped broker: the next receive takes the next one.
      }
    }
    return got;
  };

  const first = await send(0, 8);
  assert.equal(stored(cluster.broker, topic), 4, 'broker-a has half');
  assert.equal(stored(b.broker, topic), 4, 'broker-b has half');
  assert.deepEqual([...(await receiveAll(first))].sort(), [...first].sort());

  const addrB = b.broker.brokerAddr;
  await b.stop();
  await waitUntil(async () => !(await listening(addrB)), 5000, 'broker-b has stopped listening');
  // The endpoint's route still names broker-b for a moment: a send it cannot connect to goes on
  // to broker-a. Raw SendMessage calls (no client retry to hide a failure) show it.
  const raw = rawClient(endpoint);
  t.after(() => raw.close());
  for (let i = 0; i < 4; i++) {
    const res = await call(raw, 'SendMessage', {
      messages: [
        {
          topic: { name: topic },
          body: Buffer.from(`raw${i}`),
          userProperties: {},
          systemProperties: { messageId: `01RAW${i}`, messageType: 'NORMAL' },
        },
      ],
    });
    assert.equal((res.status as { code: string }).code, 'OK', `raw send ${i} acknowledged`);
  }
  assert.equal(stored(cluster.broker, topic), 8, 'broker-a took the four raw sends');
  const second = await send(8, 8);
  assert.equal(second.length, 8, 'every send acknowledged');
  assert.equal(stored(cluster.broker, topic), 16, 'broker-a took all eight');
  const again = await receiveAll([...second, 'raw0', 'raw1', 'raw2', 'raw3']);
  for (const id of second) assert.ok(again.has(id), `${id} read after broker-b stopped`);
  assert.equal(again.size, 12, 'the raw sends too');
});
