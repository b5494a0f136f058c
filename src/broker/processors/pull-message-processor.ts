import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import { PullSysFlag } from '../../remoting/protocol/pull-sys-flag.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { BrokerService } from '../broker-service.ts';

/** PULL_MESSAGE with long polling; every answer carries next/min/max offsets. */
export function registerPullMessageProcessor(server: RemotingServer, service: BrokerService): void {
  server.registerProcessor(RequestCode.PULL_MESSAGE, async (req, conn) => {
    const h = new ExtFields(req.extFields);
    const sysFlag = h.optInt('sysFlag', 0);
    const commitOffset = h.optInt('commitOffset', -1);
    const group = h.string('consumerGroup');
    const topic = h.string('topic');
    const queueId = h.int('queueId');
    const queueOffset = h.int('queueOffset');
    // An admin reset the consumer has not followed yet (it ignores RESET_CONSUMER_CLIENT_OFFSET,
    // or pulled before it arrived): tell it where to continue, as RocketMQ 5 answers OFFSET_RESET.
    const { offsets, store } = service.deps;
    const reset = offsets.takeResetOffset(group, topic, queueId);
    if (reset !== undefined && reset !== queueOffset) {
      return createResponse(req, ResponseCode.PULL_OFFSET_MOVED, undefined, {
        nextBeginOffset: String(reset),
        minOffset: String(store.getMinOffsetInQueue(topic, queueId)),
        maxOffset: String(store.getMaxOffsetInQueue(topic, queueId)),
        suggestWhichBrokerId: '0',
      });
    }
    const r = await service.pullMessage({
      group,
      topic,
      queueId,
      queueOffset,
      maxMsgNums: h.optInt('maxMsgNums', 32),
      maxMsgBytes: h.optInt('maxMsgBytes', 0) || undefined,
      subscription:
        (sysFlag & PullSysFlag.SUBSCRIPTION) !== 0
          ? (h.optString('subscription') ?? '*')
          : undefined,
      expressionType: h.optString('expressionType'),
      // A pull that takes a reset may carry a commit of the position before it: not kept.
      commitOffset:
        (sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && commitOffset >= 0 && reset === undefined
          ? commitOffset
          : undefined,
      suspendTimeoutMillis:
        (sysFlag & PullSysFlag.SUSPEND) !== 0 ? h.optInt('suspendTimeoutMillis', 15000) : 0,
      onHold: (abort) => conn.onClosed(abort),
    });
    if (conn.closed) return undefined;
    return createResponse(
      req,
      r.code,
      r.remark,
      {
        nextBeginOffset: String(r.nextBeginOffset),
        minOffset: String(r.minOffset),
        maxOffset: String(r.maxOffset),
        suggestWhichBrokerId: '0',
      },
      r.body,
    );
  });
}
