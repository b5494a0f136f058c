/** rocketmq-ts admin (`rocketmq-ts/admin`): the operations behind `rmq admin`. */
export { AdminClient } from './admin-client.ts';
export type {
  AdminClientOptions,
  QueueStat,
  ConsumerQueueProgress,
  TopicSettings,
  ResetQueueOffset,
} from './admin-client.ts';
