import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import { PullSysFlag } from '../../remoting/protocol/pull-sys-flag.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';

/**
 * PULL_MESSAGE with long polling, and LITE_PULL_MESSAGE (the Java lite pull consumer's code, the
 * same request served alike, as RocketMQ does on a pool of its own); every answer carries
 * next/min/max offsets.
 */
export function registerPullMessageProcessor(server: RemotingServer, ops: BrokerOperations): void {
  const pull: Parameters<RemotingServer['registerProcessor']>[1] = async (req, conn) => {
    const h = new ExtFields(req.extFields);
    const sysFlag = h.optInt('sysFlag', 0);
    const commitOffset = h.optInt('commitOffset', -1);
    const group = h.string('consumerGroup');
    const topic = h.string('topic');
    const queueId = h.int('queueId');
    const queueOffset = h.int('queueOffset');
    const r = await ops.pull.pullMessage({
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
      commitOffset: (sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 ? commitOffset : undefined,
      suspendTimeoutMillis:
        (sysFlag & PullSysFlag.SUSPEND) !== 0 ? h.optInt('suspendTimeoutMillis', 15000) : 0,
      onHold: (abort) => conn.onClosed(abort),
    });
    if (conn.closed) return undefined;
    return createResponse(
      req,
      responseCodeOf(r.status),
      r.remark,
      {
        nextBeginOffset: String(r.nextBeginOffset),
        minOffset: String(r.minOffset),
        maxOffset: String(r.maxOffset),
        suggestWhichBrokerId: String(r.suggestWhichBrokerId ?? 0),
      },
      r.body,
    );
  };
  server.registerProcessor(RequestCode.PULL_MESSAGE, pull);
  server.registerProcessor(RequestCode.LITE_PULL_MESSAGE, pull);
}
