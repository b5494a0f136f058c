import type { OperationStatus, Outcome } from '../../broker/operations/outcome.ts';

/** apache.rocketmq.v2.Code, with the numbers of definition.proto. */
export const Code = {
  OK: 20000,
  BAD_REQUEST: 40000,
  ILLEGAL_TOPIC: 40002,
  ILLEGAL_CONSUMER_GROUP: 40003,
  ILLEGAL_MESSAGE_TAG: 40004,
  ILLEGAL_MESSAGE_GROUP: 40006,
  ILLEGAL_MESSAGE_PROPERTY_KEY: 40007,
  INVALID_TRANSACTION_ID: 40008,
  ILLEGAL_MESSAGE_ID: 40009,
  ILLEGAL_FILTER_EXPRESSION: 40010,
  ILLEGAL_INVISIBLE_TIME: 40011,
  ILLEGAL_DELIVERY_TIME: 40012,
  INVALID_RECEIPT_HANDLE: 40013,
  MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: 40014,
  UNRECOGNIZED_CLIENT_TYPE: 40015,
  CLIENT_ID_REQUIRED: 40017,
  ILLEGAL_OFFSET: 40019,
  UNAUTHORIZED: 40100,
  FORBIDDEN: 40300,
  NOT_FOUND: 40400,
  MESSAGE_NOT_FOUND: 40401,
  TOPIC_NOT_FOUND: 40402,
  CONSUMER_GROUP_NOT_FOUND: 40403,
  OFFSET_NOT_FOUND: 40404,
  MESSAGE_BODY_TOO_LARGE: 41301,
  MESSAGE_BODY_EMPTY: 41302,
  TOO_MANY_REQUESTS: 42900,
  MESSAGE_PROPERTIES_TOO_LARGE: 43101,
  INTERNAL_SERVER_ERROR: 50001,
  HA_NOT_AVAILABLE: 50002,
  NOT_IMPLEMENTED: 50100,
  MASTER_PERSISTENCE_TIMEOUT: 50401,
  SLAVE_PERSISTENCE_TIMEOUT: 50402,
  UNSUPPORTED: 50500,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

/** A v2 Status: never code 0 (the clients read CODE_UNSPECIFIED as an error). */
export interface Status {
  code: Code;
  message: string;
}

export const OK: Status = { code: Code.OK, message: 'OK' };

export function status(code: Code, message: string): Status {
  return { code, message };
}

/** The one mapping from the core's statuses to v2 codes. */
const CODES: Readonly<Record<OperationStatus, Code>> = {
  SUCCESS: Code.OK,
  SYSTEM_ERROR: Code.INTERNAL_SERVER_ERROR,
  SYSTEM_BUSY: Code.TOO_MANY_REQUESTS,
  SERVICE_NOT_AVAILABLE: Code.INTERNAL_SERVER_ERROR,
  FLUSH_DISK_TIMEOUT: Code.MASTER_PERSISTENCE_TIMEOUT,
  FLUSH_SLAVE_TIMEOUT: Code.SLAVE_PERSISTENCE_TIMEOUT,
  SLAVE_NOT_AVAILABLE: Code.HA_NOT_AVAILABLE,
  MESSAGE_ILLEGAL: Code.BAD_REQUEST,
  NO_PERMISSION: Code.FORBIDDEN,
  TOPIC_NOT_EXIST: Code.TOPIC_NOT_FOUND,
  SUBSCRIPTION_GROUP_NOT_EXIST: Code.CONSUMER_GROUP_NOT_FOUND,
  SUBSCRIPTION_NOT_EXIST: Code.ILLEGAL_FILTER_EXPRESSION,
  SUBSCRIPTION_PARSE_FAILED: Code.ILLEGAL_FILTER_EXPRESSION,
  PULL_NOT_FOUND: Code.MESSAGE_NOT_FOUND,
  PULL_RETRY_IMMEDIATELY: Code.MESSAGE_NOT_FOUND,
  PULL_OFFSET_MOVED: Code.ILLEGAL_OFFSET,
  POLLING_TIMEOUT: Code.MESSAGE_NOT_FOUND,
  QUERY_NOT_FOUND: Code.OFFSET_NOT_FOUND,
  NO_MESSAGE: Code.INVALID_RECEIPT_HANDLE,
  ILLEGAL_TRANSACTION: Code.INVALID_TRANSACTION_ID,
  CONSUMER_NOT_ONLINE: Code.NOT_FOUND,
};

/** A core outcome as a v2 Status, its remark as the message. */
export function statusOf(outcome: Outcome): Status {
  const code = CODES[outcome.status];
  return { code, message: outcome.remark ?? (code === Code.OK ? 'OK' : outcome.status) };
}

/** An unexpected failure as a v2 Status (handlers never let an exception escape as a gRPC error). */
export function statusOfError(err: unknown): Status {
  return {
    code: Code.INTERNAL_SERVER_ERROR,
    message: err instanceof Error ? err.message : String(err),
  };
}
