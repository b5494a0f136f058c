import { RmqError } from '../../common/errors/rmq-error.ts';

/** Runs a file operation, turning a failure into STORE_IO_FAILED that names the action and file. */
export function guardIo<T>(what: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new RmqError('STORE_IO_FAILED', `Cannot ${action} ${what}`, { cause: err });
  }
}
