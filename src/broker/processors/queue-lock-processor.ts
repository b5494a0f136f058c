import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { LockedQueue, RebalanceLockManager } from '../managers/rebalance-lock-manager.ts';
import { parseJsonBody } from './json-body.ts';

interface LockBatchBody {
  consumerGroup: string;
  clientId: string;
  mqSet: LockedQueue[];
}

/** LOCK_BATCH_MQ and UNLOCK_BATCH_MQ for orderly consumers. */
export function registerQueueLockProcessor(
  server: RemotingServer,
  locks: RebalanceLockManager,
): void {
  server.registerProcessor(RequestCode.LOCK_BATCH_MQ, (req) => {
    const parsed = parseJsonBody<LockBatchBody>(req, 'lock request body');
    if ('error' in parsed) return parsed.error;
    const { consumerGroup, clientId, mqSet } = parsed.value;
    const locked = locks.tryLockBatch(consumerGroup, mqSet ?? [], clientId);
    return jsonResponse(req, { lockOKMQSet: locked });
  });

  server.registerProcessor(RequestCode.UNLOCK_BATCH_MQ, (req) => {
    const parsed = parseJsonBody<LockBatchBody>(req, 'unlock request body');
    if ('error' in parsed) return parsed.error;
    const { consumerGroup, clientId, mqSet } = parsed.value;
    locks.unlockBatch(consumerGroup, mqSet ?? [], clientId);
    return createResponse(req, ResponseCode.SUCCESS);
  });
}
