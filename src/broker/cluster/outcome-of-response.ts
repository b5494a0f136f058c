import type { RemotingCommand } from '../../remoting/protocol/remoting-command.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { OperationStatus, type Outcome } from '../operations/outcome.ts';

/**
 * The one mapping back from another broker's Remoting response codes to the core's statuses, for
 * requests this broker forwards. Remoting folds several statuses into one code (MESSAGE_ILLEGAL);
 * the remark, passed on as the other broker wrote it, tells them apart.
 */
const STATUSES: Readonly<Record<number, OperationStatus>> = {
  [ResponseCode.SUCCESS]: OperationStatus.SUCCESS,
  [ResponseCode.SYSTEM_ERROR]: OperationStatus.SYSTEM_ERROR,
  [ResponseCode.SYSTEM_BUSY]: OperationStatus.SYSTEM_BUSY,
  [ResponseCode.SERVICE_NOT_AVAILABLE]: OperationStatus.SERVICE_NOT_AVAILABLE,
  [ResponseCode.FLUSH_DISK_TIMEOUT]: OperationStatus.FLUSH_DISK_TIMEOUT,
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: OperationStatus.FLUSH_SLAVE_TIMEOUT,
  [ResponseCode.SLAVE_NOT_AVAILABLE]: OperationStatus.SLAVE_NOT_AVAILABLE,
  [ResponseCode.MESSAGE_ILLEGAL]: OperationStatus.MESSAGE_ILLEGAL,
  [ResponseCode.INVALID_PARAMETER]: OperationStatus.INVALID_PARAMETER,
  [ResponseCode.NO_PERMISSION]: OperationStatus.NO_PERMISSION,
  [ResponseCode.TOPIC_NOT_EXIST]: OperationStatus.TOPIC_NOT_EXIST,
  [ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST]: OperationStatus.SUBSCRIPTION_GROUP_NOT_EXIST,
  [ResponseCode.SUBSCRIPTION_NOT_EXIST]: OperationStatus.SUBSCRIPTION_NOT_EXIST,
  [ResponseCode.SUBSCRIPTION_PARSE_FAILED]: OperationStatus.SUBSCRIPTION_PARSE_FAILED,
  [ResponseCode.PULL_NOT_FOUND]: OperationStatus.PULL_NOT_FOUND,
  [ResponseCode.PULL_RETRY_IMMEDIATELY]: OperationStatus.PULL_RETRY_IMMEDIATELY,
  [ResponseCode.PULL_OFFSET_MOVED]: OperationStatus.PULL_OFFSET_MOVED,
  [ResponseCode.POLLING_TIMEOUT]: OperationStatus.POLLING_TIMEOUT,
  [ResponseCode.QUERY_NOT_FOUND]: OperationStatus.QUERY_NOT_FOUND,
  [ResponseCode.NO_MESSAGE]: OperationStatus.NO_MESSAGE,
  [ResponseCode.CONSUMER_NOT_ONLINE]: OperationStatus.CONSUMER_NOT_ONLINE,
  [ResponseCode.ILLEGAL_OPERATION]: OperationStatus.ILLEGAL_OPERATION,
};

/** A forwarded request's response as the core's outcome, the remark naming the broker that gave it. */
export function outcomeOf(res: RemotingCommand, brokerName: string): Outcome {
  const status = STATUSES[res.code];
  if (status === OperationStatus.SUCCESS)
    return res.remark ? { status, remark: res.remark } : { status };
  return {
    status: status ?? OperationStatus.SYSTEM_ERROR,
    remark: `${brokerName}: ${res.remark ?? (status ? status : `response code ${res.code}`)}`,
  };
}
