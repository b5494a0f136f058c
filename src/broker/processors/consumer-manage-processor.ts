import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { BrokerService } from '../broker-service.ts';

/** Consumer offsets and queue offset queries. */
export function registerConsumerManageProcessor(
  server: RemotingServer,
  service: BrokerService,
): void {
  const { store, offsets } = service.deps;

  server.registerProcessor(RequestCode.QUERY_CONSUMER_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const r = service.queryConsumerOffset(
      h.string('consumerGroup'),
      h.string('topic'),
      h.int('queueId'),
    );
    return createResponse(
      req,
      r.code,
      r.remark,
      r.offset === undefined ? undefined : { offset: String(r.offset) },
    );
  });

  server.registerProcessor(RequestCode.UPDATE_CONSUMER_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const group = h.string('consumerGroup');
    const topic = h.string('topic');
    const queueId = h.int('queueId');
    // Until the consumer pulls again it may still commit its position from before an admin reset.
    if (offsets.hasPendingReset(group, topic, queueId))
      return createResponse(req, ResponseCode.SUCCESS, 'Offset has been previously reset');
    offsets.commit(group, topic, queueId, h.int('commitOffset'));
    return createResponse(req, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_MAX_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const offset = store.getMaxOffsetInQueue(h.string('topic'), h.int('queueId'));
    return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
  });

  server.registerProcessor(RequestCode.GET_MIN_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const offset = store.getMinOffsetInQueue(h.string('topic'), h.int('queueId'));
    return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
  });

  server.registerProcessor(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (req) => {
    const h = new ExtFields(req.extFields);
    const offset = store.getOffsetInQueueByTime(
      h.string('topic'),
      h.int('queueId'),
      h.int('timestamp'),
    );
    return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
  });

  server.registerProcessor(RequestCode.GET_EARLIEST_MSG_STORETIME, (req) => {
    const h = new ExtFields(req.extFields);
    const t = store.getEarliestMessageTime(h.string('topic'), h.int('queueId'));
    return createResponse(req, ResponseCode.SUCCESS, undefined, { timestamp: String(t ?? -1) });
  });
}
