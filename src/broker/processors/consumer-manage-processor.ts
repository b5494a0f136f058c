import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';

/** Consumer offsets and queue offset queries. */
export function registerConsumerManageProcessor(
  server: RemotingServer,
  ops: BrokerOperations,
): void {
  const { offsets } = ops;
  const answer = (req: Parameters<typeof createResponse>[0], name: string, value: number) =>
    createResponse(req, ResponseCode.SUCCESS, undefined, { [name]: String(value) });

  server.registerProcessor(RequestCode.QUERY_CONSUMER_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const r = offsets.queryConsumerOffset(
      h.string('consumerGroup'),
      h.string('topic'),
      h.int('queueId'),
    );
    return createResponse(
      req,
      responseCodeOf(r.status),
      r.remark,
      r.offset === undefined ? undefined : { offset: String(r.offset) },
    );
  });

  server.registerProcessor(RequestCode.UPDATE_CONSUMER_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const r = offsets.commitConsumerOffset(
      h.string('consumerGroup'),
      h.string('topic'),
      h.int('queueId'),
      h.int('commitOffset'),
    );
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.GET_MAX_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    return answer(req, 'offset', offsets.maxOffset(h.string('topic'), h.int('queueId')));
  });

  server.registerProcessor(RequestCode.GET_MIN_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    return answer(req, 'offset', offsets.minOffset(h.string('topic'), h.int('queueId')));
  });

  server.registerProcessor(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (req) => {
    const h = new ExtFields(req.extFields);
    const offset = offsets.offsetByTime(h.string('topic'), h.int('queueId'), h.int('timestamp'));
    return answer(req, 'offset', offset);
  });

  server.registerProcessor(RequestCode.GET_EARLIEST_MSG_STORETIME, (req) => {
    const h = new ExtFields(req.extFields);
    return answer(req, 'timestamp', offsets.earliestStoreTime(h.string('topic'), h.int('queueId')));
  });
}
