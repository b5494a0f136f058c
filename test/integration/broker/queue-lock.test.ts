import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { jsonBody, testClient } from '../../helpers/remoting-call.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';

interface Queue {
  topic: string;
  brokerName: string;
  queueId: number;
}

test('LOCK_BATCH_MQ grants a queue to one client at a time; UNLOCK_BATCH_MQ hands it to the next', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('Locked');
  await cluster.createTopic(topic, 3);
  const { call } = testClient(t);
  const consumerGroup = uniqueName('GID');
  const mq = (queueId: number): Queue => ({ topic, brokerName: 'broker-a', queueId });
  const lock = async (clientId: string, mqSet: Queue[]): Promise<number[]> => {
    const res = await call(
      cluster.brokerAddr,
      RequestCode.LOCK_BATCH_MQ,
      {},
      {
        consumerGroup,
        clientId,
        mqSet,
      },
    );
    assert.equal(res.code, ResponseCode.SUCCESS);
    return jsonBody<{ lockOKMQSet: Queue[] }>(res)
      .lockOKMQSet.map((q) => q.queueId)
      .sort();
  };
  const unlock = async (clientId: string, mqSet: Queue[]): Promise<void> => {
    const res = await call(
      cluster.brokerAddr,
      RequestCode.UNLOCK_BATCH_MQ,
      {},
      {
        consumerGroup,
        clientId,
        mqSet,
      },
    );
    assert.equal(res.code, ResponseCode.SUCCESS);
  };

  assert.deepEqual(await lock('client-a', [mq(0), mq(1)]), [0, 1]);
  assert.deepEqual(await lock('client-b', [mq(0), mq(1), mq(2)]), [2], 'only the free queue');
  assert.deepEqual(await lock('client-a', [mq(0), mq(1), mq(2)]), [0, 1], 'a keeps its own');
  await unlock('client-b', [mq(0)]); // not b's to release
  assert.deepEqual(await lock('client-b', [mq(0)]), []);
  await unlock('client-a', [mq(0)]);
  assert.deepEqual(await lock('client-b', [mq(0), mq(1)]), [0]);
  assert.equal(cluster.broker.locks.holder(consumerGroup, mq(1)), 'client-a');
});
