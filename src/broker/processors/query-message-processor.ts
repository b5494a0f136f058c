import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { BrokerService } from '../broker-service.ts';

/** VIEW_MESSAGE_BY_ID (by CommitLog offset) and QUERY_MESSAGE (by key, through the IndexFile). */
export function registerQueryMessageProcessor(
  server: RemotingServer,
  service: BrokerService,
): void {
  const { store, config } = service.deps;

  server.registerProcessor(RequestCode.VIEW_MESSAGE_BY_ID, (req) => {
    const offset = new ExtFields(req.extFields).int('offset');
    const record = store.lookMessageByOffset(offset);
    if (!record)
      return createResponse(
        req,
        ResponseCode.SYSTEM_ERROR,
        `can not find message by the offset, ${offset}`,
      );
    return createResponse(req, ResponseCode.SUCCESS, undefined, undefined, record);
  });

  server.registerProcessor(RequestCode.QUERY_MESSAGE, (req) => {
    const h = new ExtFields(req.extFields);
    const maxNum = Math.min(
      h.optInt('maxNum', config.defaultQueryMaxNum),
      config.defaultQueryMaxNum,
    );
    const r = store.queryMessage(
      h.string('topic'),
      h.string('key'),
      maxNum,
      h.optInt('beginTimestamp', 0),
      h.optInt('endTimestamp', Date.now()),
    );
    const ext = {
      indexLastUpdateTimestamp: String(r.indexLastUpdateTimestamp),
      indexLastUpdatePhyoffset: String(r.indexLastUpdatePhyoffset),
    };
    if (r.messages.length === 0)
      return createResponse(
        req,
        ResponseCode.QUERY_NOT_FOUND,
        'can not find message, maybe time range not correct',
        ext,
      );
    return createResponse(req, ResponseCode.SUCCESS, undefined, ext, Buffer.concat(r.messages));
  });
}
