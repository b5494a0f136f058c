import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { decodeOffsetMessageId } from '../../common/message/message-id.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import { Code, status, statusOf } from './grpc-status.ts';
import { wrapNamespace, type V2Resource } from './message-mapping.ts';
import { text, type RpcEnv } from './rpc-env.ts';

/**
 * EndTransaction: a half message committed or rolled back by its offset message id, which names
 * the broker that stored it (its store host) and where (its CommitLog offset).
 */
export function transactionRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { unary, cluster } = env;
  return {
    EndTransaction: unary(async (req, ctx) => {
      const transactionId = text(req.transactionId);
      let id: { host: string; port: number; commitLogOffset: number };
      try {
        id = decodeOffsetMessageId(transactionId);
      } catch {
        return {
          status: status(
            Code.INVALID_TRANSACTION_ID,
            `the transaction id "${transactionId}" is not one this cluster issued`,
          ),
        };
      }
      const resolution =
        req.resolution === 'COMMIT'
          ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
          : req.resolution === 'ROLLBACK'
            ? MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
            : MessageSysFlag.TRANSACTION_NOT_TYPE;
      const r = await cluster.gatewayAt(id.host, id.port).endTransaction({
        // gRPC has no producer group: the topic stands for it, as in the RocketMQ proxy.
        producerGroup: wrapNamespace(
          ctx.namespace,
          (req.topic as V2Resource | undefined)?.name ?? '',
        ),
        commitLogOffset: id.commitLogOffset,
        tranStateTableOffset: -1,
        commitOrRollback: resolution,
        fromTransactionCheck: req.source === 'SOURCE_SERVER_CHECK',
        msgId: text(req.messageId),
      });
      return { status: statusOf(r) };
    }),
  };
}
