import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';

/** END_TRANSACTION: commit (8), rollback (12) or unknown (0) for a half message. */
export function registerEndTransactionProcessor(
  server: RemotingServer,
  ops: BrokerOperations,
): void {
  server.registerProcessor(RequestCode.END_TRANSACTION, async (req) => {
    const h = new ExtFields(req.extFields);
    const r = await ops.send.endTransaction(
      h.int('commitLogOffset'),
      h.optInt('tranStateTableOffset', -1),
      h.int('commitOrRollback'),
    );
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });
}
