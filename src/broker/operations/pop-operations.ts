import type { PoppedMessage } from '../services/pop-service.ts';
import { POP_ORDER_REVIVE_QUEUE } from '../services/pop-service.ts';
import type { CoreDeps } from './core-deps.ts';
import { checkConsume } from './consume-checks.ts';
import type { MessageFilters } from './message-filters.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

export interface PopInput {
  group: string;
  topic: string;
  /** -1 for any queue of the topic. */
  queueId: number;
  maxMsgNums: number;
  invisibleTime: number;
  /** Long polling: how long to wait for a message when none is visible; 0 = answer at once. */
  pollTime: number;
  /** 0: a group new to a queue starts at its first message; 1: at its end. */
  initMode: number;
  expressionType: string | undefined;
  expression: string | undefined;
  /** FIFO: a message group's messages in order, one group held while any is in flight. */
  order: boolean;
  /** Called with an abort function while the pop waits; may return a function that unregisters it. */
  onHold?: (abort: () => void) => (() => void) | void;
}

export interface PopOutcome extends Outcome {
  popTime: number;
  invisibleTime: number;
  reviveQid: number;
  restNum: number;
  messages: PoppedMessage[];
  /** Per queue id: the first offset this pop handed out. */
  startOffsets: Map<number, number>;
}

/** Most messages one pop hands out (RocketMQ's limit). */
export const POP_MAX_MSG_NUMS = 32;
/** Invisible time bounds, ms. */
export const POP_MIN_INVISIBLE_TIME = 1000;
export const POP_MAX_INVISIBLE_TIME = 12 * 3600 * 1000;
/** Longest a pop waits at the broker for a message (its pollTime is capped to this). */
export const POP_MAX_POLL_TIME = 60000;

/**
 * The POP family (RocketMQ 5's message-level consumption): pop with long polling, ack, change of
 * invisible time, forward to the dead-letter queue.
 */
export class PopOperations {
  constructor(
    private readonly d: CoreDeps,
    private readonly filters: MessageFilters,
  ) {}

  /** Whether the group consumes in order (FIFO): its message groups are handed out one at a time. */
  isOrderly(group: string): boolean {
    return this.d.groups.get(group)?.consumeMessageOrderly ?? false;
  }

  /**
   * POP_MESSAGE: hands out up to maxMsgNums visible messages of the topic (one queue or all)
   * to this consumer, invisible to the rest of the group for invisibleTime; waits up to pollTime
   * for one when there is none.
   */
  async popMessage(input: PopInput): Promise<PopOutcome> {
    const empty = {
      popTime: 0,
      invisibleTime: input.invisibleTime,
      reviveQid: input.order ? POP_ORDER_REVIVE_QUEUE : 0,
      restNum: 0,
      messages: [],
      startOffsets: new Map<number, number>(),
    };
    const checked = checkConsume(this.d, input.group, input.topic, input.queueId, true);
    if ('status' in checked) return { ...empty, ...checked };
    if (!(input.maxMsgNums >= 1 && input.maxMsgNums <= POP_MAX_MSG_NUMS))
      return {
        ...empty,
        ...fail(
          OperationStatus.MESSAGE_ILLEGAL,
          `pop maxMsgNums ${input.maxMsgNums} is outside 1..${POP_MAX_MSG_NUMS}`,
        ),
      };
    const bad = checkInvisibleTime(input.invisibleTime);
    if (bad) return { ...empty, ...bad };
    const filter = this.filters.filterFor(input.expression ?? '*', input.expressionType);
    if (filter && 'status' in filter) return { ...empty, ...filter };
    const deadline = Date.now() + Math.min(input.pollTime, POP_MAX_POLL_TIME);
    let aborted = false;
    for (;;) {
      if (aborted)
        return { ...empty, ...fail(OperationStatus.POLLING_TIMEOUT, 'the consumer went away') };
      const r = await this.d.pop.pop({
        group: input.group,
        topic: input.topic,
        queueId: input.queueId,
        readQueueNums: checked.readQueueNums,
        maxMsgNums: input.maxMsgNums,
        invisibleTime: input.invisibleTime,
        initMode: input.initMode,
        order: input.order,
        filter,
        maxReconsumeTimes: checked.retryMaxTimes,
      });
      const found = r.messages.length > 0;
      if (found)
        this.d.stats.recordGet(
          input.group,
          input.topic,
          r.messages.length,
          r.messages.reduce((n, m) => n + m.record.length, 0),
        );
      const left = deadline - Date.now();
      if (found || left <= 0 || aborted || input.pollTime <= 0) {
        return {
          ...empty,
          status: found
            ? OperationStatus.SUCCESS
            : input.pollTime > 0
              ? OperationStatus.POLLING_TIMEOUT
              : OperationStatus.PULL_NOT_FOUND,
          ...(found ? {} : { remark: 'no visible message in the queue' }),
          popTime: r.popTime,
          restNum: r.restNum,
          messages: r.messages,
          startOffsets: r.startOffsets,
        };
      }
      await this.d.pop.waitForMessages(input.group, input.topic, left, (abort) =>
        input.onHold?.(() => {
          aborted = true;
          abort();
        }),
      );
    }
  }

  /** ACK_MESSAGE / BATCH_ACK_MESSAGE: the messages handed out by pop `popTime` are consumed. */
  async ackMessage(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offsets: number[],
  ): Promise<Outcome> {
    const r = await this.d.pop.ack(group, topic, queueId, popTime, offsets);
    if (r === 'STALE_HANDLE')
      return fail(
        OperationStatus.NO_MESSAGE,
        `the receipt handle of ${topic}-${queueId} offset ${offsets.join(',')} has expired: the message was handed out again`,
      );
    return { status: OperationStatus.SUCCESS };
  }

  /** CHANGE_MESSAGE_INVISIBLETIME: a new handle, the message invisible for `invisibleTime` from now. */
  async changeInvisibleTime(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offset: number,
    invisibleTime: number,
  ): Promise<Outcome & { popTime?: number }> {
    // Any delay from 0 (visible again at once) up: the 5.x clients nack with their retry back-off,
    // which can be a few ms.
    const bad = checkInvisibleTime(invisibleTime, 0);
    if (bad) return bad;
    const r = await this.d.pop.changeInvisibleTime(
      group,
      topic,
      queueId,
      popTime,
      offset,
      invisibleTime,
    );
    if (typeof r === 'object') return { status: OperationStatus.SUCCESS, popTime: r.popTime };
    return fail(
      OperationStatus.NO_MESSAGE,
      r === 'STALE_HANDLE'
        ? `the receipt handle of ${topic}-${queueId} offset ${offset} has expired: the message was handed out again`
        : `the message ${topic}-${queueId} offset ${offset} is already acknowledged`,
    );
  }

  /** The message behind a receipt handle goes to %DLQ%group now and counts as consumed. */
  async forwardToDeadLetterQueue(
    group: string,
    topic: string,
    queueId: number,
    popTime: number,
    offset: number,
  ): Promise<Outcome> {
    const r = await this.d.pop.forwardToDeadLetterQueue(group, topic, queueId, popTime, offset);
    if (r === 'OK' || r === 'ALREADY_ACKED') return { status: OperationStatus.SUCCESS };
    if (r === 'DLQ_FAILED')
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `the message ${topic}-${queueId} offset ${offset} could not be stored in %DLQ%${group}; it stays in flight`,
      );
    return fail(
      OperationStatus.NO_MESSAGE,
      `the receipt handle of ${topic}-${queueId} offset ${offset} has expired: the message was handed out again`,
    );
  }
}

function checkInvisibleTime(ms: number, min = POP_MIN_INVISIBLE_TIME): Outcome | undefined {
  if (ms >= min && ms <= POP_MAX_INVISIBLE_TIME) return undefined;
  return fail(
    OperationStatus.MESSAGE_ILLEGAL,
    `invisibleTime ${ms} ms is outside ${min}..${POP_MAX_INVISIBLE_TIME}`,
  );
}
