/**
 * QUERY_ASSIGNMENT (server-side rebalance of RocketMQ 5 push consumers) in a cluster of two
 * broker groups: the broker asked assigns the topic's queues on every broker, from the name
 * server's route, as RocketMQ's broker does; not only its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import {
  createTopicOnBrokers,
  startAnotherBroker,
  startCluster,
  uniqueName,
} from '../../helpers/start-cluster.ts';
import { jsonBody, testClient } from '../../helpers/remoting-call.ts';

interface Assignments {
  messageQueueAssignments: {
    messageQueue: { brokerName: string; queueId: number };
    mode: string;
  }[];
}

test('QUERY_ASSIGNMENT to one broker assigns the queues of both brokers of the topic, split over the group', async (t) => {
  const cluster = await startCluster(t);
  const { broker: b } = await startAnotherBroker(cluster, 'broker-b');
  const topic = uniqueName('AssignTopic');
  await createTopicOnBrokers(cluster, [cluster.broker, b], topic, 2);
  const { call } = testClient(t);
  const group = uniqueName('GID');
  const ask = async (messageModel: string, clientId: string): Promise<string[]> => {
    const res = await call(
      cluster.brokerAddr,
      RequestCode.QUERY_ASSIGNMENT,
      {},
      {
        topic,
        consumerGroup: group,
        clientId,
        strategyName: 'AVG',
        messageModel,
      },
    );
    assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
    return jsonBody<Assignments>(res)
      .messageQueueAssignments.map((a) => `${a.messageQueue.brokerName}/${a.messageQueue.queueId}`)
      .sort();
  };
  const every = ['broker-a/0', 'broker-a/1', 'broker-b/0', 'broker-b/1'];
  assert.deepEqual(await ask('BROADCASTING', 'c1'), every);
  assert.deepEqual(await ask('CLUSTERING', 'c1'), every, 'a lone client gets every queue');
});
