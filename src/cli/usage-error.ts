/** A usage mistake (a missing, unknown or malformed flag): exit code 2, the message printed whole. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
