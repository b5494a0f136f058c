import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { pino, type Logger } from 'pino';
import {
  decodeRecord,
  readLong,
  RecordOffset,
  storeTimestampOffset,
  checkRecord,
} from '../common/message/message-ext-codec.ts';
import type { MessageExtBrokerInner } from '../common/message/message-ext.ts';
import { MessageConst } from '../common/message/message-const.ts';
import { tagsHashCode } from '../common/message/java-hash.ts';
import { MagicCode } from '../common/constants/magic-code.ts';
import {
  GetMessageStatus,
  PutMessageStatus,
  type GetMessageRequest,
  type GetMessageResult,
  type MessageAppender,
  type MessageReader,
  type OffsetIndex,
  type PutMessageResult,
  type QueryMessageResult,
  type StoreLifecycle,
  type TimerScheduler,
  type ReplicaAck,
  type ReplicationStore,
} from './api.ts';
import { SystemTopic } from '../common/constants/topic-validator.ts';
import { CommitLog } from './commitlog/commit-log.ts';
import { CommitLogAppender } from './commitlog/commit-log-appender.ts';
import { reputRecords } from './dispatch/record-dispatch.ts';
import { QueueDispatcher } from './dispatch/queue-dispatcher.ts';
import { SegmentAllocator } from './segment/segment-allocator.ts';
import { PageCacheWarmer } from './segment/page-cache-warmer.ts';
import { ConsumeQueueTable } from './consumequeue/consume-queue-table.ts';
import { CQ_UNIT_SIZE, readTagsCode, type ConsumeQueue } from './consumequeue/consume-queue.ts';
import { IndexService } from './index/index-service.ts';
import { readCheckpoint } from './checkpoint/store-checkpoint.ts';
import { FlushCommitLogService, type SegmentSyncer } from './flush/flush-commit-log-service.ts';
import { RetentionService, type RetentionReport } from './retention/retention-service.ts';
import { recoverStore, type RecoveryReport } from './recovery/store-recovery.ts';
import { diskSpace } from './retention/disk-usage.ts';
import { storePaths, type StoreConfig } from './store-config.ts';
import { StoreLock } from './store-lock.ts';
import { TimerMessageStore } from './timer/timer-message-store.ts';
import { timerSource } from './timer/timer-source.ts';
import { RmqError } from '../common/errors/rmq-error.ts';

export type { StoreLock };

export interface MessageStoreOptions {
  config: StoreConfig;
  logger?: Logger;
  /** Called after messages become readable (long polling hooks in here). */
  onMessageArrived?: (topic: string, queueId: number, maxOffset: number) => void;
  /**
   * Tag hash code for a record being re-dispatched during recovery; must agree with what the
   * broker put in `tagsCode` at append. Defaults to the hash of TAGS.
   */
  tagsCodeOf?: (topic: string, properties: Map<string, string>, storeTimestamp: number) => number;
  /** Clock for retention (tests move it). */
  now?: () => number;
  /** The folder's lock, when taken before the store is built (MessageStore.lockFolder). */
  lock?: StoreLock;
  /** How CommitLog segments are fdatasynced (tests hold or fail it); the real fdatasync by default. */
  commitLogSyncer?: SegmentSyncer;
}

/** How far ahead of the append position the page cache is kept populated. */
const WARM_AHEAD_BYTES = 64 * 1024 * 1024;
/** Most ConsumeQueue units one read examines (RocketMQ's 16000-byte filter window, in units). */
const MAX_FILTER_UNITS = 800;
/** Records further apart than this are read separately rather than in one span. */
const READ_MERGE_GAP = 16 * 1024;

/**
 * The store facade: the broker's only way into CommitLog, ConsumeQueue and IndexFile.
 *
 * Appends run on the event loop without locks: each one reserves space in the CommitLog's write
 * buffer, encodes its record in place and takes its queue offset. Once per loop turn the gathered
 * bytes are written with one call, the records become visible in their queues, and the appends
 * are acknowledged (ASYNC_FLUSH) or handed to group commit (SYNC_FLUSH).
 */
export class MessageStore
  implements MessageAppender, MessageReader, OffsetIndex, StoreLifecycle, ReplicationStore
{
  readonly config: StoreConfig;
  private readonly logger: Logger;
  private readonly paths: ReturnType<typeof storePaths>;
  private readonly commitLog: CommitLog;
  private readonly consumeQueues: ConsumeQueueTable;
  private readonly index: IndexService;
  private readonly flushService: FlushCommitLogService;
  private readonly retention: RetentionService;
  private readonly options: MessageStoreOptions;
  private readonly dispatcher: QueueDispatcher;
  private readonly appender: CommitLogAppender;
  private running = false;
  private cqFlushTimer: NodeJS.Timeout | undefined;
  private recovery: RecoveryReport | undefined;
  private allocator: SegmentAllocator | undefined;
  private readonly warmer: PageCacheWarmer;
  private readonly timerStore: TimerMessageStore | undefined;
  private storeLock: StoreLock | undefined;
  /** A slave's store: client appends are refused; the log grows by `appendToCommitLog`. */
  private slave = false;
  /** A slave's copy: every record below this CommitLog offset is in its queue and the index. */
  private reputOffset = 0;
  private readonly maxRecordSize: number;
  /** Told after each write of the CommitLog (the HA channel wakes its transfers here). */
  onCommitLogWritten: (() => void) | undefined;

  constructor(options: MessageStoreOptions) {
    this.options = options;
    this.config = options.config;
    this.storeLock = options.lock;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'store' });
    this.paths = storePaths(this.config);
    this.maxRecordSize = Math.max(64 * 1024 * 1024, this.config.maxMessageSize + 128 * 1024);
    // Pre-written segments make each fdatasync cheaper (no block allocation to journal), which
    // is what SYNC_FLUSH pays per group; ASYNC_FLUSH only warms when asked.
    const warming = this.config.warmMapedFileEnable || this.config.flushDiskType === 'SYNC_FLUSH';
    this.commitLog = new CommitLog(
      this.paths.commitLog,
      this.config.mappedFileSizeCommitLog,
      Math.min(this.config.mappedFileSizeCommitLog, 2 * this.config.maxMessageSize + 64 * 1024),
      warming,
    );
    if (warming) {
      const allocator = new SegmentAllocator(
        this.paths.commitLog,
        this.config.mappedFileSizeCommitLog,
        this.logger,
      );
      this.allocator = allocator;
      this.commitLog.takeSpare = () => allocator.take();
      this.commitLog.prepareSpare = () => allocator.prepare();
    }
    this.warmer = new PageCacheWarmer(WARM_AHEAD_BYTES, this.logger);
    this.commitLog.warmer = this.warmer;
    this.consumeQueues = new ConsumeQueueTable(
      this.paths.consumeQueue,
      this.config.mappedFileSizeConsumeQueue,
    );
    this.index = new IndexService(
      this.paths.index,
      this.config.maxHashSlotNum,
      this.config.maxIndexNum,
    );
    this.flushService = new FlushCommitLogService(
      this.commitLog,
      this.config.flushIntervalCommitLog,
      this.logger,
      options.commitLogSyncer,
    );
    this.dispatcher = new QueueDispatcher({
      consumeQueues: this.consumeQueues,
      index: this.index,
      indexEnabled: this.config.messageIndexEnable,
      flushService: this.flushService,
      checkpointPath: this.paths.checkpoint,
      logger: this.logger,
    });
    this.appender = new CommitLogAppender({
      commitLog: this.commitLog,
      consumeQueues: this.consumeQueues,
      dispatcher: this.dispatcher,
      flushService: this.flushService,
      config: this.config,
      logger: this.logger,
      onArrived: (queues) => this.onArrived(queues),
    });
    if (this.config.timerWheelEnable) {
      this.timerStore = new TimerMessageStore({
        logDir: this.paths.timerLog,
        checkPath: this.paths.timerCheck,
        fileSize: this.config.mappedFileSizeTimerLog,
        slots: this.config.timerRollWindowSlots,
        precisionMs: this.config.timerPrecisionMs,
        flushIntervalMs: this.config.timerFlushIntervalMs,
        source: timerSource(this.consumeQueues, (offset) => this.lookMessageByOffset(offset)),
        logger: this.logger.child({ component: 'timer' }),
      });
    }
    this.retention = new RetentionService({
      commitLog: this.commitLog,
      consumeQueues: this.consumeQueues,
      index: this.index,
      config: this.config,
      logger: this.logger,
      now: options.now ?? Date.now,
    });
  }

  /**
   * Takes the lock of a store folder, so that a process can refuse a held store before it opens
   * any port; hand it to the store as `lock`. Throws STORE_LOCKED naming the holder's PID.
   */
  static lockFolder(config: StoreConfig): StoreLock {
    mkdirSync(config.storePathRootDir, { recursive: true });
    return StoreLock.acquire(config.storePathRootDir, storePaths(config).lock);
  }

  /** Locks the folder, recovers, marks the store running (abort file) and starts background work. */
  async start(): Promise<void> {
    this.storeLock ??= MessageStore.lockFolder(this.config);
    try {
      await this.open();
    } catch (err) {
      this.storeLock.release();
      this.storeLock = undefined;
      throw err;
    }
  }

  private async open(): Promise<void> {
    const crashed = existsSync(this.paths.abort);
    this.commitLog.load();
    this.consumeQueues.load();
    this.index.load(crashed);
    this.recovery = recoverStore({
      commitLog: this.commitLog,
      consumeQueues: this.consumeQueues,
      index: this.index,
      indexEnabled: this.config.messageIndexEnable,
      checkpoint: readCheckpoint(this.paths.checkpoint),
      crashed,
      verifyCrc: this.config.checkCRCOnRecover,
      maxRecordSize: this.maxRecordSize,
      tagsCodeOf: this.options.tagsCodeOf ?? defaultTagsCodeOf,
      logger: this.logger,
    });
    this.dispatcher.markDispatched(this.commitLog.writtenOffset);
    this.reputOffset = this.commitLog.writtenOffset;
    this.flushService.markFlushed(
      Math.min(this.commitLog.writtenOffset, this.recovery.scanFromOffset),
    );
    // Recovery re-dispatched into queues and index; make that durable before claiming it.
    await this.dispatcher.flush();
    this.timerStore?.load();
    writeFileSync(this.paths.abort, '');
    if (this.allocator) {
      this.commitLog.ensureSegment();
      this.allocator.start();
    }
    this.flushService.startPeriodic();
    this.cqFlushTimer = setInterval(() => {
      void this.dispatcher.flush();
    }, this.config.flushIntervalConsumeQueue);
    this.retention.start();
    this.running = true;
  }

  /** The timing wheel behind timer messages, when timerWheelEnable. */
  get timer(): TimerScheduler | undefined {
    return this.timerStore;
  }

  /** What the last start found and did. */
  get recoveryReport(): RecoveryReport | undefined {
    return this.recovery;
  }

  /** Stops accepting appends, writes and flushes everything, checkpoints, removes the abort file. */
  async shutdown(): Promise<void> {
    if (!this.running) return;
    await this.timerStore?.shutdown();
    this.running = false;
    this.retention.shutdown();
    if (this.cqFlushTimer) clearInterval(this.cqFlushTimer);
    this.cqFlushTimer = undefined;
    this.appender.drain();
    // A slave's log may end inside a record copied in part: it ends at the last whole one, and
    // the master sends the rest again from there.
    if (this.slave && this.commitLog.writtenOffset > this.reputOffset)
      this.commitLog.setEnd(this.reputOffset);
    await this.flushService.shutdown();
    await this.allocator?.shutdown();
    await this.dispatcher.finalFlush();
    this.consumeQueues.close();
    this.index.close();
    await this.warmer.stop();
    this.commitLog.close();
    rmSync(this.paths.abort, { force: true });
    this.storeLock?.release();
    this.storeLock = undefined;
  }

  putMessage(msg: MessageExtBrokerInner): Promise<PutMessageResult> {
    return this.putMessages([msg]);
  }

  putMessages(msgs: readonly MessageExtBrokerInner[]): Promise<PutMessageResult> {
    return this.checkWritable() ?? this.appender.put(msgs);
  }

  /**
   * Makes this a slave's store (client appends refused, the log copied from the master through
   * `appendToCommitLog`) or a master's again.
   */
  setSlave(slave: boolean): void {
    this.slave = slave;
    this.reputOffset = this.commitLog.writtenOffset;
  }

  get isSlave(): boolean {
    return this.slave;
  }

  /** Makes acknowledgements wait for a replica too (SYNC_MASTER), or stops that (undefined). */
  setReplicaAck(replica: ReplicaAck | undefined): void {
    this.appender.replicaAck = replica;
  }

  /**
   * A slave's store: appends bytes of the master's CommitLog that start at `offset` (see
   * CommitLog.appendRaw), then dispatches the records now whole to their queues and the index.
   * Returns false, writing nothing, when `offset` is not where this log ends; throws when the
   * bytes cannot be written or hold a record that is not valid.
   */
  appendToCommitLog(
    offset: number,
    data: Buffer,
    start = 0,
    length = data.length - start,
  ): boolean {
    if (!this.running) throw new RmqError('STORE_NOT_STARTED', 'The message store is not running');
    const emptyBefore = this.commitLog.writtenOffset === 0;
    if (!this.commitLog.appendRaw(offset, data, start, length)) return false;
    if (emptyBefore && offset > 0) {
      this.reputOffset = offset;
      this.flushService.markFlushed(offset);
    }
    const result = reputRecords(
      {
        commitLog: this.commitLog,
        consumeQueues: this.consumeQueues,
        index: this.index,
        indexEnabled: this.config.messageIndexEnable,
        tagsCodeOf: this.options.tagsCodeOf ?? defaultTagsCodeOf,
      },
      this.reputOffset,
      this.commitLog.writtenOffset,
      this.maxRecordSize,
    );
    this.reputOffset = result.next;
    this.dispatcher.markReput(result.next, result.lastStoreTimestamp);
    if (result.arrived.size > 0) this.onArrived(result.arrived);
    else this.onCommitLogWritten?.();
    if (result.error)
      throw new RmqError(
        'STORE_CORRUPTED',
        `The CommitLog copied from the master holds a bad record: ${result.error}`,
      );
    return true;
  }

  /**
   * Up to `maxBytes` of CommitLog bytes from `offset`, as they lie in one segment (what a master
   * sends its slaves), or undefined when nothing is written there yet or it was deleted.
   */
  getCommitLogData(offset: number, maxBytes: number): Buffer | undefined {
    const segment = this.commitLog.segments.find(offset);
    if (!segment) return undefined;
    const size = Math.min(
      maxBytes,
      this.commitLog.writtenOffset - offset,
      segment.endOffset - offset,
    );
    return size > 0 ? this.commitLog.read(offset, size) : undefined;
  }

  /** SERVICE_NOT_AVAILABLE while the store is stopped, a slave's, or the disk is nearly full. */
  private checkWritable(): Promise<PutMessageResult> | undefined {
    if (!this.running) return unavailable('the message store is not running');
    if (this.slave)
      return unavailable(
        'this broker is a slave (brokerRole=SLAVE): messages are put to the master of its broker group',
      );
    if (!this.retention.writeable) {
      const used = this.retention.diskUsedPercent.toFixed(1);
      return unavailable(
        `the disk is nearly full: ${used}% used, above diskSpaceWarningLevelRatio ${this.config.diskSpaceWarningLevelRatio}%`,
      );
    }
    return undefined;
  }

  /** Wakes the timer wheel for its topic and tells the broker (long polling) of new messages. */
  private onArrived(queues: ReadonlySet<ConsumeQueue>): void {
    this.onCommitLogWritten?.();
    const listener = this.options.onMessageArrived;
    for (const cq of queues) {
      if (cq.topic === SystemTopic.TIMER) this.timerStore?.wake();
      listener?.(cq.topic, cq.queueId, cq.maxOffset);
    }
  }

  getMessage(req: GetMessageRequest): GetMessageResult {
    const cq = this.consumeQueues.find(req.topic, req.queueId);
    const result: GetMessageResult = {
      status: GetMessageStatus.NO_MATCHED_LOGIC_QUEUE,
      messages: [],
      queueOffsets: [],
      nextBeginOffset: 0,
      minOffset: 0,
      maxOffset: 0,
      bufferTotalSize: 0,
    };
    if (!cq) return result;
    const { offset } = req;
    const min = cq.minOffset;
    const max = cq.maxOffset;
    result.minOffset = min;
    result.maxOffset = max;
    if (max === 0) {
      result.status = GetMessageStatus.NO_MESSAGE_IN_QUEUE;
      return result;
    }
    if (offset < min) {
      result.status = GetMessageStatus.OFFSET_TOO_SMALL;
      result.nextBeginOffset = min;
      return result;
    }
    if (offset === max) {
      result.status = GetMessageStatus.OFFSET_OVERFLOW_ONE;
      result.nextBeginOffset = offset;
      return result;
    }
    if (offset > max) {
      result.status = GetMessageStatus.OFFSET_OVERFLOW_BADLY;
      // RocketMQ 5 moves a consumer past the end back to the end (4.x sent it to 0 when the
      // queue's min was 0, re-consuming everything); the differential suite checks this.
      result.nextBeginOffset = max;
      return result;
    }
    this.readUnits(cq, req, result);
    return result;
  }

  private readUnits(cq: ConsumeQueue, req: GetMessageRequest, result: GetMessageResult): void {
    const maxBytes = req.maxTotalMsgSize ?? Infinity;
    const maxScan = Math.max(MAX_FILTER_UNITS, req.maxMsgNums);
    const minPhy = this.commitLog.minOffset;
    const maxPhy = this.commitLog.writtenOffset;
    const picks: number[] = []; // offset, size, queueOffset triples
    let bytes = 0;
    let next = req.offset;
    let status: GetMessageStatus = GetMessageStatus.NO_MATCHED_MESSAGE;
    scan: while (next < cq.maxOffset && next - req.offset < maxScan) {
      const range = cq.getUnits(next, Math.min(maxScan - (next - req.offset), cq.maxOffset - next));
      if (!range) {
        if (next === req.offset) {
          result.status = GetMessageStatus.OFFSET_FOUND_NULL;
          result.nextBeginOffset = cq.rollNextFile(next);
          return;
        }
        break;
      }
      for (let i = 0; i < range.count; i++) {
        const at = i * CQ_UNIT_SIZE;
        const phy = readLong(range.buffer, at);
        const size = range.buffer.readInt32BE(at + 8);
        if (picks.length / 3 >= req.maxMsgNums || (picks.length > 0 && bytes + size > maxBytes))
          break scan;
        next = range.start + i + 1;
        if (size <= 0) continue;
        if (phy < minPhy) {
          status = GetMessageStatus.MESSAGE_WAS_REMOVING;
          continue;
        }
        if (phy + size > maxPhy) {
          next--;
          break scan;
        }
        if (req.filter && !req.filter.isMatchedByConsumeQueue(readTagsCode(range.buffer, i)))
          continue;
        picks.push(phy, size, range.start + i);
        bytes += size;
      }
    }
    result.nextBeginOffset = next;
    if (picks.length > 0) {
      const pulledTo = (picks[picks.length - 3] as number) + (picks[picks.length - 2] as number);
      result.suggestPullingFromSlave =
        maxPhy - pulledTo > (totalmem() * this.config.accessMessageInMemoryMaxRatio) / 100;
    }
    this.readRecords(picks, req, result);
    result.status = result.messages.length > 0 ? GetMessageStatus.FOUND : status;
  }

  /** Reads picked records, one read per run of nearby records, and slices them out. */
  private readRecords(picks: number[], req: GetMessageRequest, result: GetMessageResult): void {
    const segmentSize = this.commitLog.segmentSize;
    let i = 0;
    while (i < picks.length) {
      const start = picks[i] as number;
      const segmentEnd = start - (start % segmentSize) + segmentSize;
      let end = start + (picks[i + 1] as number);
      let j = i + 3;
      while (
        j < picks.length &&
        (picks[j] as number) >= end &&
        (picks[j] as number) - end <= READ_MERGE_GAP &&
        (picks[j] as number) + (picks[j + 1] as number) <= segmentEnd
      ) {
        end = (picks[j] as number) + (picks[j + 1] as number);
        j += 3;
      }
      const span = this.commitLog.read(start, end - start);
      for (let k = i; k < j; k += 3) {
        const phy = picks[k] as number;
        const size = picks[k + 1] as number;
        if (!span) break;
        const record = span.subarray(phy - start, phy - start + size);
        if (req.filter?.isMatchedByCommitLog && !req.filter.isMatchedByCommitLog(record)) continue;
        result.messages.push(record);
        result.queueOffsets.push(picks[k + 2] as number);
        result.bufferTotalSize += size;
      }
      i = j;
    }
  }

  lookMessageByOffset(commitLogOffset: number): Buffer | undefined {
    if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < this.commitLog.minOffset)
      return undefined;
    const size = this.commitLog.readSize(commitLogOffset);
    if (size === undefined || size < 91 || size > this.commitLog.maxRecordSize) return undefined;
    const record = this.commitLog.read(commitLogOffset, size);
    if (!record) return undefined;
    const check = checkRecord(record, 0, size, false);
    if (!check.ok || check.blank) return undefined;
    if (readLong(record, RecordOffset.PHYSICALOFFSET) !== commitLogOffset) return undefined;
    return record;
  }

  queryMessage(
    topic: string,
    key: string,
    maxNum: number,
    begin: number,
    end: number,
  ): QueryMessageResult {
    const limit = Math.min(maxNum, this.config.maxMsgsNumBatch);
    const found = this.index.query(topic, key, limit * 2, begin, end);
    const messages: Buffer[] = [];
    for (const phy of found.phyOffsets) {
      if (messages.length >= limit) break;
      const record = this.lookMessageByOffset(phy);
      if (!record) continue;
      const msg = decodeRecord(record);
      if (msg.topic !== topic) continue;
      const keys =
        msg.properties.get(MessageConst.PROPERTY_KEYS)?.split(MessageConst.KEY_SEPARATOR) ?? [];
      if (
        !keys.includes(key) &&
        msg.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) !== key
      )
        continue;
      messages.push(record);
    }
    return {
      messages,
      indexLastUpdateTimestamp: found.lastUpdateTimestamp,
      indexLastUpdatePhyoffset: found.lastUpdatePhyOffset,
    };
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.minOffset ?? 0;
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.maxOffset ?? 0;
  }

  getQueueUnits(
    topic: string,
    queueId: number,
    index: number,
    count: number,
  ): { physicOffset: number; physicSize: number; tagsCode: number }[] {
    const units = this.consumeQueues.find(topic, queueId)?.getUnits(index, count);
    if (!units) return [];
    const out = [];
    for (let i = 0; i < units.count; i++)
      out.push({
        physicOffset: readLong(units.buffer, i * CQ_UNIT_SIZE),
        physicSize: units.buffer.readInt32BE(i * CQ_UNIT_SIZE + 8),
        tagsCode: readTagsCode(units.buffer, i),
      });
    return out;
  }

  getCommitLogOffsetInQueue(
    topic: string,
    queueId: number,
    consumeQueueOffset: number,
  ): number | undefined {
    const units = this.consumeQueues.find(topic, queueId)?.getUnits(consumeQueueOffset, 1);
    return units ? readLong(units.buffer, 0) : undefined;
  }

  getMessageStoreTimeStamp(
    topic: string,
    queueId: number,
    consumeQueueOffset: number,
  ): number | undefined {
    const units = this.consumeQueues.find(topic, queueId)?.getUnits(consumeQueueOffset, 1);
    if (!units) return undefined;
    return this.storeTimestampAt(readLong(units.buffer, 0));
  }

  private storeTimestampAt(commitLogOffset: number): number | undefined {
    const head = this.commitLog.read(commitLogOffset, 80);
    if (!head || head.readInt32BE(RecordOffset.MAGICCODE) === MagicCode.BLANK) return undefined;
    return readLong(head, storeTimestampOffset(head.readInt32BE(RecordOffset.SYSFLAG)));
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): number {
    const cq = this.consumeQueues.find(topic, queueId);
    if (!cq) return 0;
    let lo = cq.minOffset;
    let hi = cq.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const t = this.getMessageStoreTimeStamp(topic, queueId, mid);
      if (t === undefined || t < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  getEarliestMessageTime(topic?: string, queueId?: number): number | undefined {
    if (topic !== undefined && queueId !== undefined) {
      const cq = this.consumeQueues.find(topic, queueId);
      return cq && cq.maxOffset > cq.minOffset
        ? this.getMessageStoreTimeStamp(topic, queueId, cq.minOffset)
        : undefined;
    }
    const min = this.commitLog.minOffset;
    return min < this.commitLog.writtenOffset ? this.storeTimestampAt(min) : undefined;
  }

  getMinPhyOffset(): number {
    return this.commitLog.minOffset;
  }

  getMaxPhyOffset(): number {
    return this.commitLog.writtenOffset;
  }

  /** Offset up to which the CommitLog is on disk. */
  getFlushedPhyOffset(): number {
    return this.flushService.flushedOffset;
  }

  /** The file system of the CommitLog: size, free bytes, and percent used. */
  diskSpace(): { totalBytes: number; freeBytes: number; usedPercent: number } {
    return { ...diskSpace(this.paths.commitLog), usedPercent: this.retention.diskUsedPercent };
  }

  /** Bytes appended but not yet on disk. */
  remainToFlushBytes(): number {
    return this.commitLog.writtenOffset - this.flushService.flushedOffset;
  }

  /** Resolves once the spare segment being prepared in the background (if any) is ready. */
  async spareSegmentSettled(): Promise<void> {
    await this.allocator?.settled();
  }

  /** fdatasync calls on the CommitLog so far (group commit makes this far below the append count). */
  get commitLogSyncCount(): number {
    return this.flushService.fdatasyncCount;
  }

  /** Runs one retention pass now; `manual` deletes expired files whatever the hour. */
  cleanExpiredFiles(manual = true): RetentionReport {
    return this.retention.run(manual);
  }

  /** Topics with ConsumeQueues in the store. */
  getTopics(): string[] {
    return this.consumeQueues.topics();
  }

  /** Deletes a topic's ConsumeQueues (its records stay in the CommitLog until retention). */
  deleteTopic(topic: string): void {
    this.consumeQueues.deleteTopic(topic);
  }
}

function unavailable(remark: string): Promise<PutMessageResult> {
  return Promise.resolve({ status: PutMessageStatus.SERVICE_NOT_AVAILABLE, remark });
}

function defaultTagsCodeOf(topic: string, properties: Map<string, string>): number {
  // Timer-topic units carry the due time, which the timer engine reads without the record.
  if (topic === SystemTopic.TIMER)
    return Number(properties.get(MessageConst.PROPERTY_TIMER_OUT_MS) ?? 0) || 0;
  return tagsHashCode(properties.get(MessageConst.PROPERTY_TAGS));
}
