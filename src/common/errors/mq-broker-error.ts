/** Response codes worth retrying (on another broker or later). */
const RETRIABLE = new Set([1, 2, 14, 16, 17, 204, 205]);

/** A server answered a request with a failure code; carries RocketMQ's code and remark. */
export class MQBrokerError extends Error {
  readonly responseCode: number;
  readonly remark: string;
  readonly brokerAddr: string;
  readonly retriable: boolean;

  constructor(
    responseCode: number,
    remark: string | undefined,
    brokerAddr: string,
    action: string,
  ) {
    super(`${action} failed at ${brokerAddr}: code ${responseCode}${remark ? `, ${remark}` : ''}`);
    this.name = 'MQBrokerError';
    this.responseCode = responseCode;
    this.remark = remark ?? '';
    this.brokerAddr = brokerAddr;
    this.retriable = RETRIABLE.has(responseCode);
  }
}
