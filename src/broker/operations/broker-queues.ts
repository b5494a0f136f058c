/** A topic's queues on one broker of the cluster. */
export interface BrokerQueues {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
}
