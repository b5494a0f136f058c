import { pullStatusOf } from './store-status.ts';
import type { CoreDeps } from './core-deps.ts';
import { checkConsume } from './consume-checks.ts';
import type { MessageFilters } from './message-filters.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

export interface PullInput {
  group: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMsgNums: number;
  maxMsgBytes?: number | undefined;
  /** The subscription expression from the request (PullSysFlag SUBSCRIPTION), or undefined to use the heartbeat's. */
  subscription: string | undefined;
  expressionType: string | undefined;
  /** The consumer's position to commit with this pull (COMMIT_OFFSET), or undefined. */
  commitOffset: number | undefined;
  suspendTimeoutMillis: number;
  /**
   * Called once with an abort function: the caller aborts a held pull when its connection closes;
   * it may return a function that unregisters the abort once the pull is answered.
   */
  onHold?: (abort: () => void) => (() => void) | void;
}

export interface PullOutcome extends Outcome {
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  body?: Buffer;
  messageCount: number;
  /** Which broker of the group the consumer should pull from next (0 the master). */
  suggestWhichBrokerId?: number;
}

/**
 * The pull family: reads of a queue from an offset for a consumer group, with long polling, the
 * group's subscription as filter, the commit the pull carries, and pending admin resets.
 */
export class PullOperations {
  constructor(
    private readonly d: CoreDeps,
    private readonly filters: MessageFilters,
  ) {}

  /** Reads for a consumer, holding the pull (long polling) when it caught up. */
  async pullMessage(input: PullInput): Promise<PullOutcome> {
    // An admin reset the consumer has not followed yet (it ignores RESET_CONSUMER_CLIENT_OFFSET,
    // or pulled before it arrived): tell it where to continue, as RocketMQ 5 answers OFFSET_RESET.
    const { offsets, store } = this.d;
    const reset = offsets.takeResetOffset(input.group, input.topic, input.queueId);
    if (reset !== undefined && reset !== input.queueOffset) {
      return {
        status: OperationStatus.PULL_OFFSET_MOVED,
        remark: `the group's offset was reset to ${reset}`,
        nextBeginOffset: reset,
        minOffset: store.getMinOffsetInQueue(input.topic, input.queueId),
        maxOffset: store.getMaxOffsetInQueue(input.topic, input.queueId),
        messageCount: 0,
      };
    }
    // A pull that takes a reset may carry a commit of the position before it: not kept.
    const first = this.pullOnce(input, reset === undefined);
    if (first.status !== OperationStatus.PULL_NOT_FOUND || input.suspendTimeoutMillis <= 0)
      return first;
    const cfg = this.d.config;
    const wait = cfg.longPollingEnable
      ? Math.min(input.suspendTimeoutMillis, cfg.brokerSuspendMaxTimeMillis)
      : Math.min(input.suspendTimeoutMillis, cfg.shortPollingTimeMills);
    await this.d.hold.hold(input.topic, input.queueId, input.queueOffset, wait, input.onHold);
    return this.pullOnce(input, false);
  }

  private suggestBroker(group: string, cold: boolean): number {
    return suggestedBroker(this.d.config.slaveReadEnable, this.d.groups.get(group), cold);
  }

  private pullOnce(input: PullInput, commit: boolean): PullOutcome {
    const empty = {
      nextBeginOffset: input.queueOffset,
      minOffset: 0,
      maxOffset: 0,
      messageCount: 0,
    };
    const checked = checkConsume(this.d, input.group, input.topic, input.queueId, false);
    if ('status' in checked) return { ...empty, ...checked };
    let expression = input.subscription;
    let type = input.expressionType;
    if (expression === undefined) {
      const sub = this.d.consumers.get(input.group)?.subscriptions.get(input.topic);
      if (!sub)
        return {
          ...empty,
          ...fail(
            OperationStatus.SUBSCRIPTION_NOT_EXIST,
            `the consumer's subscription of ${input.topic} does not exist`,
          ),
        };
      expression = sub.subString;
      type = sub.expressionType;
    }
    const filter = this.filters.filterFor(expression, type);
    if (filter && 'status' in filter) return { ...empty, ...filter };
    if (commit && input.commitOffset !== undefined && input.commitOffset >= 0) {
      this.d.offsets.commit(input.group, input.topic, input.queueId, input.commitOffset);
    }
    const cfg = this.d.config;
    const r = this.d.store.getMessage({
      topic: input.topic,
      queueId: input.queueId,
      offset: input.queueOffset,
      maxMsgNums: Math.max(1, Math.min(input.maxMsgNums, cfg.maxTransferCountOnMessageInMemory)),
      maxTotalMsgSize: Math.min(
        input.maxMsgBytes ?? Infinity,
        cfg.maxTransferBytesOnMessageInMemory,
      ),
      ...(filter ? { filter } : {}),
    });
    const status = pullStatusOf(r.status, input.queueOffset);
    this.d.stats.recordGet(input.group, input.topic, r.messages.length, r.bufferTotalSize);
    const out: PullOutcome = {
      status,
      nextBeginOffset: r.nextBeginOffset,
      minOffset: r.minOffset,
      maxOffset: r.maxOffset,
      messageCount: r.messages.length,
      suggestWhichBrokerId: this.suggestBroker(input.group, r.suggestPullingFromSlave === true),
    };
    if (status === OperationStatus.SUCCESS) out.body = joinRecords(r.messages, r.bufferTotalSize);
    return out;
  }
}

/**
 * RocketMQ's rule: with slaveReadEnable, a cold backlog goes to the group's
 * whichBrokerWhenConsumeSlowly and a warm one to its brokerId; without it, to the master.
 */
function suggestedBroker(
  slaveReadEnable: boolean,
  group: { brokerId: number; whichBrokerWhenConsumeSlowly: number } | undefined,
  cold: boolean,
): number {
  if (!slaveReadEnable) return 0;
  return cold ? (group?.whichBrokerWhenConsumeSlowly ?? 1) : (group?.brokerId ?? 0);
}

/**
 * The pull body: the stored records back to back. Records read in one span are already adjacent
 * in memory, so this is a view of that span; only scattered records are copied together.
 */
export function joinRecords(records: readonly Buffer[], total: number): Buffer {
  const first = records[0];
  if (!first) return Buffer.alloc(0);
  let contiguous = true;
  for (let i = 1; i < records.length && contiguous; i++) {
    const prev = records[i - 1] as Buffer;
    const cur = records[i] as Buffer;
    contiguous = cur.buffer === prev.buffer && cur.byteOffset === prev.byteOffset + prev.length;
  }
  return contiguous
    ? Buffer.from(first.buffer, first.byteOffset, total)
    : Buffer.concat(records, total);
}
