import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';

/** VIEW_MESSAGE_BY_ID (by CommitLog offset) and QUERY_MESSAGE (by key, through the IndexFile). */
export function registerQueryMessageProcessor(server: RemotingServer, ops: BrokerOperations): void {
  server.registerProcessor(RequestCode.VIEW_MESSAGE_BY_ID, (req) => {
    const r = ops.query.viewMessage(new ExtFields(req.extFields).int('offset'));
    return createResponse(req, responseCodeOf(r.status), r.remark, undefined, r.record);
  });

  server.registerProcessor(RequestCode.QUERY_MESSAGE, (req) => {
    const h = new ExtFields(req.extFields);
    const r = ops.query.queryMessage(
      h.string('topic'),
      h.string('key'),
      h.optInt('maxNum', Number.MAX_SAFE_INTEGER),
      h.optLongBound('beginTimestamp', 0),
      h.optLongBound('endTimestamp', Date.now()),
    );
    const ext = {
      indexLastUpdateTimestamp: String(r.indexLastUpdateTimestamp),
      indexLastUpdatePhyoffset: String(r.indexLastUpdatePhyoffset),
    };
    const body = r.records.length > 0 ? Buffer.concat(r.records) : undefined;
    return createResponse(req, responseCodeOf(r.status), r.remark, ext, body);
  });
}
