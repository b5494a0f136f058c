import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalTransactionState, MessageView } from '../../../src/client/index.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { waitUntil } from '../../helpers/wait-for.ts';

const fastChecks = {
  transactionTimeOut: 200,
  transactionCheckInterval: 100,
  transactionCheckMax: 3,
};

async function readAll(
  pull: {
    pull: (
      q: { topic: string; brokerName: string; queueId: number },
      e: string,
      o: number,
      n: number,
    ) => Promise<{ messages: MessageView[] }>;
  },
  topic: string,
): Promise<string[]> {
  const r = await pull
    .pull({ topic, brokerName: 'broker-a', queueId: 0 }, '*', 0, 32)
    .catch(() => ({ messages: [] }));
  return r.messages.map((m) => m.body.toString());
}

test('a committed transaction delivers, a rolled-back one never does, and a half message stays invisible until then', async (t) => {
  const cluster = await startCluster(t, fastChecks);
  const c = sdkClient(t, cluster);
  const topic = uniqueName('Tx');
  await cluster.createTopic(topic, 1);
  const pull = await started(t, c.createPullConsumer({ consumerGroup: uniqueName('GID') }));
  let seenDuring: string[] = [];
  const producer = await started(
    t,
    c.createTransactionProducer({
      producerGroup: uniqueName('PID_tx'),
      transactionListener: {
        executeLocalTransaction: async (m) => {
          seenDuring = await readAll(pull, topic);
          return String(m.body) === 'commit me' ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
        },
        checkLocalTransaction: () => 'ROLLBACK_MESSAGE',
      },
    }),
  );
  const committed = await producer.sendMessageInTransaction({ topic, body: 'commit me' });
  assert.equal(committed.localTransactionState, 'COMMIT_MESSAGE');
  assert.deepEqual(
    seenDuring,
    [],
    'the half message was invisible while the local transaction ran',
  );
  await producer.sendMessageInTransaction({ topic, body: 'roll me back' });
  await waitUntil(
    async () => (await readAll(pull, topic)).includes('commit me'),
    5000,
    'the commit is delivered',
  );
  // Both outcomes are recorded (two op records) before asserting that only the commit was delivered.
  const store = cluster.broker.store;
  await waitUntil(
    () => store.getMaxOffsetInQueue('RMQ_SYS_TRANS_OP_HALF_TOPIC', 0) === 2,
    5000,
    'both transactions ended',
  );
  assert.deepEqual(await readAll(pull, topic), ['commit me']);
});

test('an unknown outcome is resolved by a check-back that reaches another producer of the group after the sender is gone', async (t) => {
  const cluster = await startCluster(t, fastChecks);
  const topic = uniqueName('TxCheck');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('PID_tx');
  const sender = sdkClient(t, cluster).createTransactionProducer({
    producerGroup: group,
    transactionListener: {
      executeLocalTransaction: () => 'UNKNOW',
      checkLocalTransaction: () => 'UNKNOW',
    },
  });
  await sender.start();
  await sender.sendMessageInTransaction({ topic, body: 'decided later', keys: ['tx-1'] });
  await sender.shutdown();
  const asked: string[] = [];
  await started(
    t,
    sdkClient(t, cluster).createTransactionProducer({
      producerGroup: group,
      transactionListener: {
        executeLocalTransaction: () => 'UNKNOW',
        checkLocalTransaction: (m): LocalTransactionState => {
          asked.push(m.keys.join(','));
          return 'COMMIT_MESSAGE';
        },
      },
    }),
  );
  const pull = await started(
    t,
    sdkClient(t, cluster).createPullConsumer({ consumerGroup: uniqueName('GID') }),
  );
  await waitUntil(
    async () => (await readAll(pull, topic)).includes('decided later'),
    8000,
    'the checked-back commit is delivered',
  );
  assert.ok(asked.includes('tx-1'), 'the other producer was asked');
});

test('a half message never resolved goes to TRANS_CHECK_MAX_TIME_TOPIC after transactionCheckMax checks', async (t) => {
  const cluster = await startCluster(t, fastChecks);
  const topic = uniqueName('TxMax');
  await cluster.createTopic(topic, 1);
  let checks = 0;
  const producer = await started(
    t,
    sdkClient(t, cluster).createTransactionProducer({
      producerGroup: uniqueName('PID_tx'),
      transactionListener: {
        executeLocalTransaction: () => 'UNKNOW',
        checkLocalTransaction: () => {
          checks++;
          return 'UNKNOW';
        },
      },
    }),
  );
  await producer.sendMessageInTransaction({ topic, body: 'undecided' });
  const store = cluster.broker.store;
  await waitUntil(
    () => Promise.resolve(store.getMaxOffsetInQueue('TRANS_CHECK_MAX_TIME_TOPIC', 0) === 1),
    8000,
    'the message gives up',
  );
  assert.equal(checks, 3);
  assert.equal(store.getMaxOffsetInQueue(topic, 0), 0, 'never delivered');
});
