/**
 * RocketMQ's Java gRPC client (rocketmq-client-java, unmodified) connected to ONE gRPC endpoint of
 * a cluster of two broker groups (broker-a with the endpoint, broker-b without): the endpoint
 * routes every broker's queues and forwards what belongs to broker-b over Remoting, as RocketMQ's
 * proxy does in cluster mode. Each test checks what the driver (java/grpc-client) saw and where
 * the messages were stored: on both brokers, in the queues the endpoint's turn and FIFO hash give.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminClient } from '../../src/admin/admin-client.ts';
import type { BrokerController } from '../../src/broker/broker-controller.ts';
import { SystemTopic } from '../../src/common/constants/topic-validator.ts';
import {
  createTopicOnBrokers,
  launchCluster,
  startAnotherBroker,
  uniqueName,
  type TestCluster,
} from '../helpers/start-cluster.ts';
import { startGrpc } from '../helpers/start-grpc.ts';
import { buildJavaSuite, runJava, succeededRun } from '../helpers/java-toolchain.ts';

const VERSION = '5.2.0';
const FAST_CHECKS = {
  transactionTimeOut: 500,
  transactionCheckInterval: 500,
  // A PushConsumer's close waits out its receive in flight: keep the long polls short.
  brokerSuspendMaxTimeMillis: 2000,
};

let cluster: (TestCluster & { stop(): Promise<void> }) | undefined;
let brokerB: BrokerController | undefined;
let endpoint = '';
let suite: ReturnType<typeof buildJavaSuite> | undefined;
let admin: AdminClient | undefined;

before(async () => {
  // Built first, while nothing is in flight: mvn runs synchronously.
  suite = buildJavaSuite('grpc-client', { 'rocketmq.client.version': VERSION });
  cluster = await launchCluster(FAST_CHECKS);
  brokerB = (await startAnotherBroker(cluster, 'broker-b', FAST_CHECKS)).broker;
  endpoint = (await startGrpc(cluster)).endpoint;
  admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
});

after(async () => {
  await admin?.shutdown();
  await cluster?.stop();
});

function brokers(): { a: BrokerController; b: BrokerController } {
  if (!cluster || !brokerB) throw new Error('the cluster did not start');
  return { a: cluster.broker, b: brokerB };
}

/** A typed topic with `queues` queues on each broker, routed by the name server from both. */
async function topicOnBoth(prefix: string, type: string, queues: number): Promise<string> {
  const { a, b } = brokers();
  const topic = uniqueName(prefix);
  if (!cluster) throw new Error('the cluster did not start');
  await createTopicOnBrokers(cluster, [a, b], topic, queues, `+message.type=${type}`);
  return topic;
}

/** Messages stored per queue of a topic on one broker. */
function stored(broker: BrokerController, topic: string, queues: number): number[] {
  return Array.from({ length: queues }, (_v, q) => broker.operations.offsets.maxOffset(topic, q));
}

async function scenario(
  name: string,
  topic: string,
  group: string,
  count: number,
  extra = '',
): Promise<Record<string, unknown>[]> {
  if (!suite) throw new Error('the suite did not build');
  const args = [name, endpoint, 'plain', topic, group, String(count)];
  if (extra) args.push(extra);
  const run = await runJava(suite, 'GrpcScenarios', args, { timeoutMs: 60000 });
  return succeededRun(run, `${name} through one endpoint of two brokers`);
}

const pick = (events: Record<string, unknown>[], key: string): Record<string, unknown>[] =>
  events.filter((e) => key in e);

describe(`rocketmq-client-java ${VERSION} through one endpoint of a two-broker cluster`, () => {
  test('routes list both brokers\u2019 queues at the one endpoint; NORMAL sends go round all eight queues and a SimpleConsumer receives and acks each from both', async () => {
    const topic = await topicOnBoth('JClusterNormal', 'NORMAL', 4);
    const events = await scenario('normal', topic, uniqueName('GID'), 8);
    const sent = pick(events, 'sent').map((e) => e.messageId);
    assert.equal(sent.length, 8);
    assert.deepEqual(
      pick(events, 'received')
        .map((e) => e.received)
        .sort(),
      [...sent].sort(),
      'every message once, from both brokers',
    );
    assert.equal(events.find((e) => 'afterAck' in e)?.afterAck, 0, 'acks reached both brokers');
    const { a, b } = brokers();
    assert.deepEqual(stored(a, topic, 4), [1, 1, 1, 1], 'one message in each queue of broker-a');
    assert.deepEqual(stored(b, topic, 4), [1, 1, 1, 1], 'one message in each queue of broker-b');
  });

  test('FIFO: each message group keeps one queue across the cluster and arrives in order', async () => {
    const topic = await topicOnBoth('JClusterFifo', 'FIFO', 4);
    const group = uniqueName('GID');
    const { a, b } = brokers();
    await admin?.updateSubGroup([a.brokerAddr, b.brokerAddr], {
      groupName: group,
      consumeMessageOrderly: true,
    });
    const events = await scenario('fifo', topic, group, 12);
    const got = pick(events, 'received');
    assert.equal(got.length, 12, 'each message once');
    for (let g = 0; g < 3; g++)
      assert.deepEqual(
        got
          .filter((m) => m.messageGroup === `group-${g}`)
          .map((m) => String(m.body).replace(`group-${g}-step-`, '')),
        ['0', '1', '2', '3'],
        `group-${g} in order`,
      );
    // Java's String.hashCode over the eight queues [a0..a3, b0..b3]: group-0 -> a2,
    // group-1 -> a3, group-2 -> b0.
    assert.deepEqual(stored(a, topic, 4), [0, 0, 4, 4]);
    assert.deepEqual(stored(b, topic, 4), [4, 0, 0, 0]);
  });

  test('DELAY: timer messages on both brokers arrive when due; one recalled on broker-b never does', async () => {
    const topic = await topicOnBoth('JClusterDelay', 'DELAY', 1);
    const events = await scenario('delay', topic, uniqueName('GID'), 3, '1500');
    const delayed = pick(events, 'sent').filter((s) => s.sent === 'delay');
    const recalled = pick(events, 'sent').find((s) => s.sent === 'recalled');
    assert.equal(
      events.find((e) => 'recalled' in e)?.recalled,
      recalled?.messageId,
      'RecallMessage, forwarded to broker-b, answers with the message id',
    );
    assert.deepEqual(
      pick(events, 'received')
        .map((m) => m.received)
        .sort(),
      delayed.map((s) => s.messageId).sort(),
    );
    for (const m of pick(events, 'received')) {
      const due = Number(delayed.find((s) => s.messageId === m.received)?.due);
      assert.ok(Number(m.receivedAt) >= due, `${String(m.body)} came before it was due`);
    }
    assert.equal(events.find((e) => 'afterAck' in e)?.afterAck, 0, 'the recalled one never came');
    const { a, b } = brokers();
    // In turn over [a0, b0]: delays 0 and 2 on broker-a, 1 on broker-b, the recalled one (3) on b.
    assert.deepEqual(stored(a, topic, 1), [2]);
    assert.deepEqual(stored(b, topic, 1), [1]);
  });

  test('TRANSACTION: halves on both brokers; broker-b\u2019s check-back reaches the checker through the endpoint', async () => {
    const topic = await topicOnBoth('JClusterTx', 'TRANSACTION', 4);
    const events = await scenario('transaction', topic, uniqueName('GID'), 6);
    assert.deepEqual(
      pick(events, 'checked')
        .map((e) => e.checked)
        .sort(),
      ['2', '5'],
      'both brokers asked about exactly their open ones',
    );
    assert.equal(pick(events, 'received').length, 4, 'the commits and the checked ones delivered');
    const { a, b } = brokers();
    // In turn: 0 a0 commit, 1 a1 rollback, 2 a2 open, 3 a3 commit, 4 b0 rollback, 5 b1 open.
    assert.deepEqual(stored(a, topic, 4), [1, 0, 1, 1]);
    assert.deepEqual(stored(b, topic, 4), [0, 1, 0, 0], 'message 5 committed by the relayed check');
    assert.ok(
      b.operations.offsets.maxOffset(SystemTopic.TRANS_HALF, 0) >= 2,
      'broker-b stored its two halves',
    );
  });

  test('a PushConsumer consumes from both brokers; a failed delivery comes again', async () => {
    const topic = await topicOnBoth('JClusterPush', 'NORMAL', 2);
    const events = await scenario('push', topic, uniqueName('GID'), 6);
    assert.equal(events.find((e) => 'consumed' in e)?.consumed, 6);
    const again = pick(events, 'received').filter(
      (m) => (m.properties as Record<string, string>).n === '0',
    );
    assert.deepEqual(
      again.map((m) => m.deliveryAttempt),
      [1, 2],
      'message 0 failed once, then came again',
    );
    const { a, b } = brokers();
    // In turn over [a0, a1, b0, b1]; the redelivery goes through the group's retry topic.
    assert.deepEqual(stored(a, topic, 2), [2, 2]);
    assert.deepEqual(stored(b, topic, 2), [1, 1]);
  });
});
