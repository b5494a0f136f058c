import type { CoreDeps } from './core-deps.ts';
import { OperationStatus, type Outcome } from './outcome.ts';

/** Consumer group offsets (with the admin reset rules) and a queue's offsets and times. */
export class OffsetOperations {
  constructor(private readonly d: Pick<CoreDeps, 'store' | 'offsets'>) {}

  /** The committed offset; 0 for a fresh queue never truncated (as RocketMQ); else not found. */
  queryConsumerOffset(
    group: string,
    topic: string,
    queueId: number,
  ): Outcome & { offset?: number } {
    const offset = this.d.offsets.query(group, topic, queueId);
    if (offset >= 0) return { status: OperationStatus.SUCCESS, offset };
    if (this.d.store.getMinOffsetInQueue(topic, queueId) <= 0)
      return { status: OperationStatus.SUCCESS, offset: 0 };
    return {
      status: OperationStatus.QUERY_NOT_FOUND,
      remark: `Not found, maybe this group consumer ${group} boots first`,
    };
  }

  /**
   * Stores a consumer's position. Until the consumer pulls again after an admin reset it may still
   * commit its position from before the reset: such a commit is answered but not kept.
   */
  commitConsumerOffset(group: string, topic: string, queueId: number, offset: number): Outcome {
    if (this.d.offsets.hasPendingReset(group, topic, queueId))
      return { status: OperationStatus.SUCCESS, remark: 'Offset has been previously reset' };
    this.d.offsets.commit(group, topic, queueId, offset);
    return { status: OperationStatus.SUCCESS };
  }

  maxOffset(topic: string, queueId: number): number {
    return this.d.store.getMaxOffsetInQueue(topic, queueId);
  }

  minOffset(topic: string, queueId: number): number {
    return this.d.store.getMinOffsetInQueue(topic, queueId);
  }

  /** The first offset stored at or after `timestamp`. */
  offsetByTime(topic: string, queueId: number, timestamp: number): number {
    return this.d.store.getOffsetInQueueByTime(topic, queueId, timestamp);
  }

  /** Store time of the queue's first message, or -1 when it has none. */
  earliestStoreTime(topic: string, queueId: number): number {
    return this.d.store.getEarliestMessageTime(topic, queueId) ?? -1;
  }
}
