import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { decodeOffsetMessageId } from '../../common/message/message-id.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import { Code, status, statusOf } from './grpc-status.ts';
import { text, type RpcEnv } from './rpc-env.ts';

/** EndTransaction: a half message committed or rolled back by its offset message id. */
export function transactionRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { ops, unary } = env;
  return {
    EndTransaction: unary(async (req) => {
      const transactionId = text(req.transactionId);
      let commitLogOffset: number;
      try {
        commitLogOffset = decodeOffsetMessageId(transactionId).commitLogOffset;
      } catch {
        return {
          status: status(
            Code.INVALID_TRANSACTION_ID,
            `the transaction id "${transactionId}" is not one this broker issued`,
          ),
        };
      }
      const outcome =
        req.resolution === 'COMMIT'
          ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
          : req.resolution === 'ROLLBACK'
            ? MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
            : MessageSysFlag.TRANSACTION_NOT_TYPE;
      const r = await ops.send.endTransaction(commitLogOffset, -1, outcome);
      return {
        status: statusOf(r),
      };
    }),
  };
}
