/** Outcome of an operation: a response code (RocketMQ's numbers) and a remark on failure. */
export interface Outcome {
  code: number;
  remark?: string;
}

export const fail = (code: number, remark: string): Outcome => ({ code, remark });
