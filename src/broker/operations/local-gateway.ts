import type { BrokerOperations } from './broker-operations.ts';
import type { BrokerGateway } from './broker-gateway.ts';

/** This process's broker as a gateway: the core's operations, called directly. */
export function localGateway(ops: BrokerOperations): BrokerGateway {
  return {
    brokerName: ops.limits.brokerName,
    sendMessage: (input) => ops.send.sendMessage(input),
    popMessage: (input) => ops.pop.popMessage(input),
    ackMessage: (r) => ops.pop.ackMessage(r.group, r.topic, r.queueId, r.popTime, [r.queueOffset]),
    changeInvisibleTime: (r, invisibleTime) =>
      ops.pop.changeInvisibleTime(
        r.group,
        r.topic,
        r.queueId,
        r.popTime,
        r.queueOffset,
        invisibleTime,
      ),
    forwardToDeadLetterQueue: (r) =>
      ops.pop.forwardToDeadLetterQueue(r.group, r.topic, r.queueId, r.popTime, r.queueOffset),
    endTransaction: (e) =>
      ops.send.endTransaction(e.commitLogOffset, e.tranStateTableOffset, e.commitOrRollback),
    recallMessage: (topic, handle) => Promise.resolve(ops.send.recallMessage(topic, handle)),
    pullMessage: (input) => ops.pull.pullMessage(input),
    commitConsumerOffset: (group, topic, queueId, offset) =>
      Promise.resolve(ops.offsets.commitConsumerOffset(group, topic, queueId, offset)),
    queryConsumerOffset: (group, topic, queueId) =>
      Promise.resolve(ops.offsets.queryConsumerOffset(group, topic, queueId)),
    queueOffset: (topic, queueId, at) =>
      Promise.resolve(
        at === 'min'
          ? ops.offsets.minOffset(topic, queueId)
          : at === 'max'
            ? ops.offsets.maxOffset(topic, queueId)
            : ops.offsets.offsetByTime(topic, queueId, at.timestamp),
      ),
    topicConfig: (topic) => Promise.resolve(ops.admin.topic(topic)),
  };
}
