/** rocketmq-ts admin (`rocketmq-ts/admin`): the operations behind `rmq admin`. */
export { AdminClient } from './admin-client.ts';
export type {
  QueueStat,
  TopicSettings,
  ResetQueueOffset,
  SubscriptionGroupSettings,
  TopicPermChange,
  BrokerStatsData,
  StatsWindow,
} from './admin-client.ts';
export type {
  AdminClientOptions,
  MessageQueue,
  BrokerMaster,
  NamesrvAnswer,
} from './admin-transport.ts';
export type {
  AdminMessage,
  PullResult,
  PullStatus,
  SendResult,
  QueryOptions,
} from './message-queries.ts';
export type {
  Connection,
  ConsumerConnection,
  ConsumerQueueProgress,
  ConsumeStats,
  ConsumeStatus,
  ConsumerRunningInfo,
  ConsumeMessageDirectlyResult,
  MessageTrack,
} from './group-queries.ts';
