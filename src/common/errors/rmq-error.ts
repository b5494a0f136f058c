import { ErrorRegistry, type ErrorCode } from './error-registry.ts';

/** Base of rocketmq-ts' own errors: the code is a field, looked up in the registry. */
export class RmqError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RmqError';
    this.code = code;
    this.retriable = ErrorRegistry[code].retriable;
  }
}
