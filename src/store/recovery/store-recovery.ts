import type { Logger } from 'pino';
import { checkRecord } from '../../common/message/message-ext-codec.ts';
import { dispatchRecord } from '../dispatch/record-dispatch.ts';
import type { CommitLog } from '../commitlog/commit-log.ts';
import type { ConsumeQueueTable } from '../consumequeue/consume-queue-table.ts';
import type { IndexService } from '../index/index-service.ts';
import type { CheckpointData } from '../checkpoint/store-checkpoint.ts';

export interface RecoveryReport {
  /** fresh: no data; clean: the last stop was clean; crash: the abort file was there. */
  mode: 'fresh' | 'clean' | 'crash';
  /** CommitLog offset the scan started from. */
  scanFromOffset: number;
  /** Bytes of CommitLog read and verified. */
  scannedBytes: number;
  /** Where the good data ends; appends continue here. */
  endOffset: number;
  /** Records re-dispatched into ConsumeQueues and IndexFiles. */
  redispatched: number;
  /** Why the scan stopped (the first bad record, or the end of the data). */
  stopReason: string;
  durationMs: number;
}

export interface RecoveryDeps {
  commitLog: CommitLog;
  consumeQueues: ConsumeQueueTable;
  index: IndexService;
  indexEnabled: boolean;
  checkpoint: CheckpointData | undefined;
  crashed: boolean;
  verifyCrc: boolean;
  /** Sizes above this are garbage, not records (bounds allocations while scanning). */
  maxRecordSize: number;
  tagsCodeOf: (topic: string, properties: Map<string, string>, storeTimestamp: number) => number;
  logger: Logger;
}

const CHUNK = 8 * 1024 * 1024;

/**
 * Finds the end of the good CommitLog data and makes ConsumeQueues and IndexFiles agree with it.
 * A clean stop recorded the exact end in the checkpoint: only that point is checked. After a crash
 * the scan starts where the checkpoint says queues and index were last on disk, verifies each
 * record (magic, lengths, CRC, its own offset, queue order), re-dispatches it, and truncates the
 * log at the first record that fails.
 */
export function recoverStore(deps: RecoveryDeps): RecoveryReport {
  const started = Date.now();
  const { commitLog, consumeQueues, index, checkpoint, logger } = deps;
  const segments = commitLog.segments.files;
  const first = segments[0];
  if (!first) {
    for (const cq of consumeQueues.all()) cq.truncateByPhysicOffset(0);
    index.truncateFrom(0);
    commitLog.setEnd(0);
    return report('fresh', 0, 0, 0, 0, 'no CommitLog segments', started);
  }
  const minOffset = first.fromOffset;
  const missingQueues = consumeQueues.size === 0;
  const missingIndex = deps.indexEnabled && index.fileCount === 0;
  let from: number;
  let mode: RecoveryReport['mode'];
  if (!deps.crashed && checkpoint) {
    mode = 'clean';
    from = checkpoint.commitLogFlushedOffset;
  } else {
    mode = 'crash';
    from = checkpoint
      ? Math.min(
          checkpoint.commitLogFlushedOffset,
          checkpoint.logicsFlushedPhyOffset,
          checkpoint.indexFlushedPhyOffset,
        )
      : minOffset;
  }
  if (missingQueues || missingIndex) from = minOffset;
  from = Math.max(from, minOffset);
  const lastSegment = segments[segments.length - 1];
  if (lastSegment && from > lastSegment.endOffset) from = lastSegment.fromOffset;

  for (const cq of consumeQueues.all()) cq.truncateByPhysicOffset(from);
  index.truncateFrom(from);

  const scan = scanAndDispatch(deps, from);
  commitLog.setEnd(scan.end);
  for (const cq of consumeQueues.all()) cq.truncateByPhysicOffset(scan.end);
  for (const cq of consumeQueues.all()) cq.deleteBelow(commitLog.minOffset);
  const result = report(mode, from, scan.scanned, scan.end, scan.dispatched, scan.reason, started);
  logger.info(result, 'Store recovered');
  return result;
}

function scanAndDispatch(
  deps: RecoveryDeps,
  from: number,
): { end: number; scanned: number; dispatched: number; reason: string } {
  const { commitLog } = deps;
  let pos = from;
  let scanned = 0;
  let dispatched = 0;
  let buf = Buffer.allocUnsafe(CHUNK);
  const stop = (
    at: number,
    reason: string,
  ): { end: number; scanned: number; dispatched: number; reason: string } => ({
    end: pos + at,
    scanned: scanned + at,
    dispatched,
    reason,
  });
  for (;;) {
    const segment = commitLog.segments.find(pos);
    if (!segment) return stop(0, 'end of the last segment');
    const inSegment = pos - segment.fromOffset;
    const leftInSegment = segment.size - inSegment;
    const n = segment.read(buf, 0, Math.min(buf.length, leftInSegment), inSegment);
    let at = 0;
    let nextSegment = false;
    while (n - at >= 8) {
      const size = buf.readInt32BE(at);
      // A record that continues past this chunk is read again from its start.
      if (size > n - at && size <= leftInSegment - at && size <= deps.maxRecordSize) break;
      const check = checkRecord(buf, at, n - at, deps.verifyCrc);
      if (!check.ok) return stop(at, check.reason);
      if (check.blank) {
        nextSegment = true;
        break;
      }
      const done = dispatchRecord(deps, buf, at, pos + at, check.size);
      if ('stale' in done) return stop(at, done.stale);
      dispatched++;
      at += check.size;
    }
    if (nextSegment) {
      scanned += leftInSegment;
      pos = segment.endOffset;
      continue;
    }
    if (at === 0) {
      const size = n >= 4 ? buf.readInt32BE(0) : 0;
      if (n < 8 || size <= buf.length) return stop(0, n < 8 ? 'end of data' : 'truncated record');
      buf = Buffer.allocUnsafe(size);
      continue;
    }
    scanned += at;
    pos += at;
  }
}

function report(
  mode: RecoveryReport['mode'],
  scanFromOffset: number,
  scannedBytes: number,
  endOffset: number,
  redispatched: number,
  stopReason: string,
  started: number,
): RecoveryReport {
  return {
    mode,
    scanFromOffset,
    scannedBytes,
    endOffset,
    redispatched,
    stopReason,
    durationMs: Date.now() - started,
  };
}
