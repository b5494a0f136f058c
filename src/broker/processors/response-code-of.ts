import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import type { OperationStatus } from '../operations/outcome.ts';

/** The one mapping from the core's statuses to Remoting response codes. */
const RESPONSE_CODES: Readonly<Record<OperationStatus, number>> = {
  SUCCESS: ResponseCode.SUCCESS,
  SYSTEM_ERROR: ResponseCode.SYSTEM_ERROR,
  SYSTEM_BUSY: ResponseCode.SYSTEM_BUSY,
  SERVICE_NOT_AVAILABLE: ResponseCode.SERVICE_NOT_AVAILABLE,
  FLUSH_DISK_TIMEOUT: ResponseCode.FLUSH_DISK_TIMEOUT,
  FLUSH_SLAVE_TIMEOUT: ResponseCode.FLUSH_SLAVE_TIMEOUT,
  SLAVE_NOT_AVAILABLE: ResponseCode.SLAVE_NOT_AVAILABLE,
  MESSAGE_ILLEGAL: ResponseCode.MESSAGE_ILLEGAL,
  // Remoting has one code for the other kinds of illegal message; the remark tells them apart.
  // RocketMQ 5's broker answers an illegal topic name, like any bad header field, so.
  ILLEGAL_TOPIC: ResponseCode.INVALID_PARAMETER,
  INVALID_PARAMETER: ResponseCode.INVALID_PARAMETER,
  MESSAGE_BODY_TOO_LARGE: ResponseCode.MESSAGE_ILLEGAL,
  MESSAGE_TYPE_CONFLICT: ResponseCode.MESSAGE_ILLEGAL,
  ILLEGAL_MESSAGE_GROUP: ResponseCode.MESSAGE_ILLEGAL,
  ILLEGAL_MESSAGE_TAG: ResponseCode.MESSAGE_ILLEGAL,
  ILLEGAL_DELIVERY_TIME: ResponseCode.MESSAGE_ILLEGAL,
  MESSAGE_PROPERTIES_TOO_LARGE: ResponseCode.MESSAGE_ILLEGAL,
  NO_PERMISSION: ResponseCode.NO_PERMISSION,
  TOPIC_NOT_EXIST: ResponseCode.TOPIC_NOT_EXIST,
  SUBSCRIPTION_GROUP_NOT_EXIST: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
  SUBSCRIPTION_NOT_EXIST: ResponseCode.SUBSCRIPTION_NOT_EXIST,
  SUBSCRIPTION_PARSE_FAILED: ResponseCode.SUBSCRIPTION_PARSE_FAILED,
  PULL_NOT_FOUND: ResponseCode.PULL_NOT_FOUND,
  PULL_RETRY_IMMEDIATELY: ResponseCode.PULL_RETRY_IMMEDIATELY,
  PULL_OFFSET_MOVED: ResponseCode.PULL_OFFSET_MOVED,
  POLLING_TIMEOUT: ResponseCode.POLLING_TIMEOUT,
  QUERY_NOT_FOUND: ResponseCode.QUERY_NOT_FOUND,
  NO_MESSAGE: ResponseCode.NO_MESSAGE,
  // RocketMQ's EndTransactionProcessor answers an unknown half message with SYSTEM_ERROR.
  ILLEGAL_TRANSACTION: ResponseCode.SYSTEM_ERROR,
  CONSUMER_NOT_ONLINE: ResponseCode.CONSUMER_NOT_ONLINE,
  ILLEGAL_OPERATION: ResponseCode.ILLEGAL_OPERATION,
};

export function responseCodeOf(status: OperationStatus): number {
  return RESPONSE_CODES[status];
}
