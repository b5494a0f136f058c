/**
 * What an operation answers, in the core's own terms (RocketMQ's names for them). Each protocol maps
 * these in one place: Remoting to its response codes (processors/response-code-of.ts), gRPC to
 * apache.rocketmq.v2.Code (proxy/grpc/grpc-status.ts).
 */
export const OperationStatus = {
  SUCCESS: 'SUCCESS',
  SYSTEM_ERROR: 'SYSTEM_ERROR',
  SYSTEM_BUSY: 'SYSTEM_BUSY',
  SERVICE_NOT_AVAILABLE: 'SERVICE_NOT_AVAILABLE',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
  /** The message (or request) is not acceptable: size, name, property, batch layout. */
  MESSAGE_ILLEGAL: 'MESSAGE_ILLEGAL',
  // The finer kinds of MESSAGE_ILLEGAL, for protocols that tell them apart (gRPC does).
  /** The topic name breaks RocketMQ's rules (length, characters). */
  ILLEGAL_TOPIC: 'ILLEGAL_TOPIC',
  /** The body is above maxMessageSize. */
  MESSAGE_BODY_TOO_LARGE: 'MESSAGE_BODY_TOO_LARGE',
  /** The declared message type does not fit the topic or the message's properties. */
  MESSAGE_TYPE_CONFLICT: 'MESSAGE_TYPE_CONFLICT',
  ILLEGAL_MESSAGE_GROUP: 'ILLEGAL_MESSAGE_GROUP',
  ILLEGAL_MESSAGE_TAG: 'ILLEGAL_MESSAGE_TAG',
  /** A timer message due beyond timerMaxDelaySec. */
  ILLEGAL_DELIVERY_TIME: 'ILLEGAL_DELIVERY_TIME',
  MESSAGE_PROPERTIES_TOO_LARGE: 'MESSAGE_PROPERTIES_TOO_LARGE',
  /** A request field out of range, such as a queue id the topic does not have. */
  INVALID_PARAMETER: 'INVALID_PARAMETER',
  /** The broker, topic or group forbids the operation. */
  NO_PERMISSION: 'NO_PERMISSION',
  TOPIC_NOT_EXIST: 'TOPIC_NOT_EXIST',
  SUBSCRIPTION_GROUP_NOT_EXIST: 'SUBSCRIPTION_GROUP_NOT_EXIST',
  SUBSCRIPTION_NOT_EXIST: 'SUBSCRIPTION_NOT_EXIST',
  SUBSCRIPTION_PARSE_FAILED: 'SUBSCRIPTION_PARSE_FAILED',
  /** Nothing at the offset (yet). */
  PULL_NOT_FOUND: 'PULL_NOT_FOUND',
  /** Nothing matched the filter in what was read: read on at once. */
  PULL_RETRY_IMMEDIATELY: 'PULL_RETRY_IMMEDIATELY',
  /** The offset is outside the queue (or an admin reset moved it): continue at nextBeginOffset. */
  PULL_OFFSET_MOVED: 'PULL_OFFSET_MOVED',
  /** A long poll ended without a message. */
  POLLING_TIMEOUT: 'POLLING_TIMEOUT',
  /** No committed offset, or no message for a key. */
  QUERY_NOT_FOUND: 'QUERY_NOT_FOUND',
  /** A receipt handle that no longer names an in-flight message. */
  NO_MESSAGE: 'NO_MESSAGE',
  /** A transaction id or offset that names no open half message. */
  ILLEGAL_TRANSACTION: 'ILLEGAL_TRANSACTION',
  CONSUMER_NOT_ONLINE: 'CONSUMER_NOT_ONLINE',
  /** The request cannot be carried out as asked: a recall of a timer message already due. */
  ILLEGAL_OPERATION: 'ILLEGAL_OPERATION',
} as const;
export type OperationStatus = (typeof OperationStatus)[keyof typeof OperationStatus];

/** Outcome of an operation: its status, and a remark naming the offending value on failure. */
export interface Outcome {
  status: OperationStatus;
  remark?: string;
  /**
   * Set when the operation created topics: resolves once the name servers route them. Remoting
   * answers after it, as RocketMQ's broker does, so a route lookup right after never misses.
   */
  registered?: Promise<void>;
}

export const fail = (status: OperationStatus, remark: string): Outcome => ({ status, remark });

export const OK: Outcome = Object.freeze({ status: OperationStatus.SUCCESS });

export const succeeded = (o: Outcome): boolean => o.status === OperationStatus.SUCCESS;
