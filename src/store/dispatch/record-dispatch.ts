import { checkRecord, decodeRecord } from '../../common/message/message-ext-codec.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { MagicCode } from '../../common/constants/magic-code.ts';
import type { CommitLog } from '../commitlog/commit-log.ts';
import type { ConsumeQueueTable } from '../consumequeue/consume-queue-table.ts';
import type { ConsumeQueue } from '../consumequeue/consume-queue.ts';
import type { IndexService } from '../index/index-service.ts';

/** What dispatching a stored record into its ConsumeQueue and the index needs. */
export interface RecordDispatchDeps {
  consumeQueues: ConsumeQueueTable;
  index: IndexService;
  indexEnabled: boolean;
  tagsCodeOf: (topic: string, properties: Map<string, string>, storeTimestamp: number) => number;
}

/**
 * Dispatches one verified record read back from the CommitLog (recovery, and a slave's copy of
 * its master's log); returns why it is stale, or the queue it went to.
 */
export function dispatchRecord(
  deps: RecordDispatchDeps,
  buf: Buffer,
  at: number,
  offset: number,
  size: number,
): { stale: string } | { cq: ConsumeQueue; storeTimestamp: number } {
  const msg = decodeRecord(buf, at);
  if (msg.commitLogOffset !== offset)
    return { stale: `stale record claims offset ${msg.commitLogOffset}` };
  const cq = deps.consumeQueues.findOrCreate(msg.topic, msg.queueId);
  if (msg.queueOffset < cq.maxOffset)
    return {
      stale: `stale record repeats queue offset ${msg.queueOffset} of ${msg.topic}-${msg.queueId}`,
    };
  cq.putUnit(
    msg.queueOffset,
    offset,
    size,
    deps.tagsCodeOf(msg.topic, msg.properties, msg.storeTimestamp),
  );
  if (deps.indexEnabled) {
    deps.index.put(
      msg.topic,
      msg.properties.get(MessageConst.PROPERTY_KEYS),
      msg.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
      offset,
      msg.storeTimestamp,
    );
  }
  return { cq, storeTimestamp: msg.storeTimestamp };
}

/** Where a reput stopped, what it dispatched, and why it stopped short of the data's end. */
export interface ReputResult {
  /** Every record below this offset is dispatched; the next reput starts here. */
  next: number;
  arrived: Set<ConsumeQueue>;
  lastStoreTimestamp: number;
  /** Set when a record is bad (the data cannot be dispatched further). */
  error?: string;
}

const REPUT_CHUNK = 4 * 1024 * 1024;

/**
 * Dispatches the complete records the CommitLog holds in [from, to): a slave's store, whose log
 * grows by byte ranges copied from its master that may end inside a record. A record not yet
 * whole waits for the next call; a segment's BLANK tail is passed once the next segment starts.
 */
export function reputRecords(
  deps: RecordDispatchDeps & { commitLog: CommitLog },
  from: number,
  to: number,
  maxRecordSize: number,
): ReputResult {
  const result: ReputResult = { next: from, arrived: new Set(), lastStoreTimestamp: 0 };
  let buf = Buffer.allocUnsafe(Math.min(REPUT_CHUNK, Math.max(8, to - from)));
  while (result.next < to) {
    const pos = result.next;
    const segment = deps.commitLog.segments.find(pos);
    if (!segment) return { ...result, error: `no segment holds offset ${pos}` };
    const end = Math.min(to, segment.endOffset);
    const n = segment.read(buf, 0, Math.min(buf.length, end - pos), pos - segment.fromOffset);
    let at = 0;
    while (n - at >= 8) {
      const size = buf.readInt32BE(at);
      if (buf.readInt32BE(at + 4) === MagicCode.BLANK) {
        if (to < segment.endOffset) return result;
        result.next = segment.endOffset;
        break;
      }
      if (size > n - at) {
        if (size > maxRecordSize || pos + at + size > segment.endOffset)
          return { ...result, error: `bad record size ${size} at ${pos + at}` };
        if (pos + at + size > to) return result;
        break;
      }
      const check = checkRecord(buf, at, n - at, false);
      if (!check.ok || check.blank)
        return { ...result, error: `${check.ok ? 'blank' : check.reason} at ${pos + at}` };
      const done = dispatchRecord(deps, buf, at, pos + at, check.size);
      if ('stale' in done) return { ...result, error: done.stale };
      result.arrived.add(done.cq);
      result.lastStoreTimestamp = done.storeTimestamp;
      at += check.size;
      result.next = pos + at;
    }
    if (result.next === pos) {
      if (n >= 8 && buf.readInt32BE(0) > buf.length) buf = Buffer.allocUnsafe(buf.readInt32BE(0));
      else if (n < 8) return result;
    }
  }
  return result;
}
