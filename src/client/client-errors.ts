import { MQBrokerError } from '../common/errors/mq-broker-error.ts';
import type { RemotingCommand } from '../remoting/protocol/remoting-command.ts';

/** Codes of MQClientError; docs/errors.md lists the same, kept in step by a test. */
export const MQ_CLIENT_ERROR_CODES = [
  'ILLEGAL_ARGUMENT',
  'NO_ROUTE',
  'SEND_FAILED',
  'NOT_STARTED',
  'ABORTED',
] as const;

/** A client-side failure: bad arguments, no route, or all retries spent. */
export class MQClientError extends Error {
  readonly code: (typeof MQ_CLIENT_ERROR_CODES)[number];
  readonly retriable: boolean;

  constructor(code: MQClientError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MQClientError';
    this.code = code;
    this.retriable = code === 'NO_ROUTE' || code === 'SEND_FAILED';
  }
}

/** The one place a failed response becomes a typed error for SDK callers. */
export function responseError(res: RemotingCommand, addr: string, action: string): MQBrokerError {
  return new MQBrokerError(res.code, res.remark, addr, action);
}

export { MQBrokerError };
