import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { MessageRequestModeEntry } from '../operations/assignment-operations.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';
import { parseJsonBody } from './json-body.ts';
import { responseCodeOf } from './response-code-of.ts';

interface QueryAssignmentRequestBody {
  topic: string;
  consumerGroup: string;
  clientId: string;
  strategyName?: string;
  messageModel?: string;
}

/** QUERY_ASSIGNMENT and SET_MESSAGE_REQUEST_MODE: server-side rebalance for RocketMQ 5 consumers. */
export function registerAssignmentProcessor(server: RemotingServer, ops: BrokerOperations): void {
  server.registerProcessor(RequestCode.QUERY_ASSIGNMENT, async (req) => {
    const parsed = parseJsonBody<QueryAssignmentRequestBody>(req, 'query assignment body');
    if ('error' in parsed) return parsed.error;
    const b = parsed.value;
    const r = await ops.assignment.queryAssignment({
      topic: b.topic,
      group: b.consumerGroup,
      clientId: b.clientId,
      messageModel: b.messageModel ?? 'CLUSTERING',
      strategyName: b.strategyName ?? '',
    });
    if (!r.assignments) return createResponse(req, responseCodeOf(r.status), r.remark);
    return jsonResponse(req, {
      messageQueueAssignments: r.assignments.map((a) => ({
        messageQueue: { topic: b.topic, brokerName: a.brokerName, queueId: a.queueId },
        mode: a.mode,
        attachments: {},
      })),
    });
  });

  server.registerProcessor(RequestCode.SET_MESSAGE_REQUEST_MODE, (req) => {
    const parsed = parseJsonBody<Partial<MessageRequestModeEntry>>(
      req,
      'message request mode body',
    );
    if ('error' in parsed) return parsed.error;
    const b = parsed.value;
    const r = ops.assignment.setRequestMode({
      topic: String(b.topic ?? ''),
      consumerGroup: String(b.consumerGroup ?? ''),
      mode: b.mode as MessageRequestModeEntry['mode'],
      popShareQueueNum: Number(b.popShareQueueNum ?? 0),
    });
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });
}
