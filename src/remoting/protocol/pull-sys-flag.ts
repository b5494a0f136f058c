/** PULL_MESSAGE sysFlag bits (RocketMQ's PullSysFlag). */
export const PullSysFlag = {
  /** Store `commitOffset` for the group. */
  COMMIT_OFFSET: 0x1,
  /** Long polling allowed. */
  SUSPEND: 0x2,
  /** The subscription comes with the request, not from the heartbeat. */
  SUBSCRIPTION: 0x4,
  CLASS_FILTER: 0x8,
  LITE_PULL: 0x10,
} as const;
