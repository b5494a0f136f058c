import { SystemTopic } from '../../common/constants/topic-validator.ts';
import { readLong } from '../../common/message/message-ext-codec.ts';
import type { ConsumeQueueTable } from '../consumequeue/consume-queue-table.ts';
import { CQ_UNIT_SIZE, readTagsCode, type ConsumeQueue } from '../consumequeue/consume-queue.ts';
import type { TimerSource } from './timer-message-store.ts';

/** The timer topic's queue 0 as the timer engine reads it: units carry the due time as tags code. */
export function timerSource(
  consumeQueues: ConsumeQueueTable,
  record: (commitLogOffset: number) => Buffer | undefined,
): TimerSource {
  const queue = (): ConsumeQueue | undefined => consumeQueues.find(SystemTopic.TIMER, 0);
  return {
    minOffset: () => queue()?.minOffset ?? 0,
    maxOffset: () => queue()?.maxOffset ?? 0,
    units: (offset, max, visit) => {
      const cq = queue();
      if (!cq) return offset;
      let next = Math.max(offset, cq.minOffset);
      while (max > 0 && next < cq.maxOffset) {
        const range = cq.getUnits(next, max);
        if (!range) {
          next = cq.rollNextFile(next); // a deleted file: its messages are gone
          continue;
        }
        for (let i = 0; i < range.count; i++) {
          const at = i * CQ_UNIT_SIZE;
          visit(
            readLong(range.buffer, at),
            range.buffer.readInt32BE(at + 8),
            readTagsCode(range.buffer, i),
          );
        }
        next = range.start + range.count;
        max -= range.count;
      }
      return next;
    },
    record,
  };
}
