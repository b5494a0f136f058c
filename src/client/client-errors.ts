import { MQBrokerError } from '../common/errors/mq-broker-error.ts';
import type { RemotingCommand } from '../remoting/protocol/remoting-command.ts';

/** A client-side failure: bad arguments, no route, or all retries spent. */
export class MQClientError extends Error {
  readonly code: 'ILLEGAL_ARGUMENT' | 'NO_ROUTE' | 'SEND_FAILED' | 'NOT_STARTED' | 'ABORTED';
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
