/**
 * Where rocketmq-ts answers differently from Apache RocketMQ on purpose, observed by the
 * differential suite (differential.test.ts): each entry names the observation and field, the
 * value on each side, and why. The suite fails when a listed field is not exactly as listed, and
 * when anything not listed differs.
 */
export type Side = 'apache' | 'ours';

export interface KnownDifference {
  observation: string;
  field: string;
  apache: unknown;
  ours: unknown;
  reason: string;
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    observation: 'send-refusals',
    field: 'readOnlyTopic',
    apache: { code: 0, hasRemark: false },
    ours: { code: 16, hasRemark: true },
    reason:
      "a topic whose perm has no write bit (mqadmin updateTopicPerm -p 4) refuses sends with NO_PERMISSION; RocketMQ's broker only takes it out of producers' routes and still stores what a client sends straight to it",
  },
  {
    observation: 'mqadmin',
    field: 'version',
    apache: 'V5_5_0',
    ours: 'rocketmq-ts',
    reason:
      'the broker says what it is (brokerVersionDesc "rocketmq-ts <version>"; clusterList prints its first word); on the wire it speaks as RocketMQ V5_3_3',
  },
];
