/**
 * The store's narrow capabilities and status results. The broker's composition root builds the
 * MessageStore (message-store.ts); the rest of broker/ sees only these interfaces. Expected
 * outcomes are statuses; only I/O faults and bugs throw.
 */
import type { StoreConfig } from './store-config.ts';
import type { MessageExtBrokerInner } from '../common/message/message-ext.ts';

export const PutMessageStatus = {
  PUT_OK: 'PUT_OK',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
  SERVICE_NOT_AVAILABLE: 'SERVICE_NOT_AVAILABLE',
  CREATE_MAPPED_FILE_FAILED: 'CREATE_MAPPED_FILE_FAILED',
  MESSAGE_ILLEGAL: 'MESSAGE_ILLEGAL',
  PROPERTIES_SIZE_EXCEEDED: 'PROPERTIES_SIZE_EXCEEDED',
  OS_PAGE_CACHE_BUSY: 'OS_PAGE_CACHE_BUSY',
  UNKNOWN_ERROR: 'UNKNOWN_ERROR',
} as const;
export type PutMessageStatus = (typeof PutMessageStatus)[keyof typeof PutMessageStatus];

export const GetMessageStatus = {
  FOUND: 'FOUND',
  NO_MATCHED_MESSAGE: 'NO_MATCHED_MESSAGE',
  MESSAGE_WAS_REMOVING: 'MESSAGE_WAS_REMOVING',
  OFFSET_FOUND_NULL: 'OFFSET_FOUND_NULL',
  OFFSET_OVERFLOW_BADLY: 'OFFSET_OVERFLOW_BADLY',
  OFFSET_OVERFLOW_ONE: 'OFFSET_OVERFLOW_ONE',
  OFFSET_TOO_SMALL: 'OFFSET_TOO_SMALL',
  NO_MATCHED_LOGIC_QUEUE: 'NO_MATCHED_LOGIC_QUEUE',
  NO_MESSAGE_IN_QUEUE: 'NO_MESSAGE_IN_QUEUE',
} as const;
export type GetMessageStatus = (typeof GetMessageStatus)[keyof typeof GetMessageStatus];

/** Where an append landed. For a batch, offsets are those of the first message. */
export interface AppendMessageResult {
  /** Physical offset of the first record. */
  wroteOffset: number;
  /** Bytes written for all records of the append. */
  wroteBytes: number;
  /** Queue offset of the first message. */
  logicsOffset: number;
  msgNum: number;
  storeTimestamp: number;
  /** Offset message ids (store host + physical offset), one per record. */
  msgIds: string[];
}

export interface PutMessageResult {
  status: PutMessageStatus;
  /** Present when the message was stored (PUT_OK and the flush/slave timeouts). */
  appendResult?: AppendMessageResult;
  /** Why the store refused, quoting the offending value, for the broker's remark. */
  remark?: string;
}

/**
 * Waits for a replica to hold the data up to `endOffset` (SYNC_MASTER), or says at once that no
 * replica can: `done` gets PUT_OK, FLUSH_SLAVE_TIMEOUT or SLAVE_NOT_AVAILABLE.
 */
export interface ReplicaAck {
  await(endOffset: number, deadline: number, done: (status: PutMessageStatus) => void): void;
}

/** What the HA channel reads and writes of the store: a master's log out, a slave's log in. */
export interface ReplicationStore {
  readonly config: StoreConfig;
  getMaxPhyOffset(): number;
  /** Up to `maxBytes` of CommitLog from `offset`, within one segment; undefined if none yet. */
  getCommitLogData(offset: number, maxBytes: number): Buffer | undefined;
  /** A slave's store: appends the master's bytes at `offset`; false when it is not the log's end. */
  appendToCommitLog(offset: number, data: Buffer, start?: number, length?: number): boolean;
  /** Told after each write of the CommitLog. */
  onCommitLogWritten: (() => void) | undefined;
}

/** Broker-side filtering hook, consulted per ConsumeQueue unit and, if given, per record. */
export interface MessageFilter {
  isMatchedByConsumeQueue(tagsCode: number): boolean;
  isMatchedByCommitLog?(record: Buffer): boolean;
}

export interface GetMessageResult {
  status: GetMessageStatus;
  /** Records exactly as stored, each a slice of one read buffer; concatenated they are a pull body. */
  messages: Buffer[];
  /** Queue offset of each returned record. */
  queueOffsets: number[];
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  bufferTotalSize: number;
  /**
   * The data read lies further behind the CommitLog's end than accessMessageInMemoryMaxRatio of
   * the machine's memory: cold, better served by a slave (RocketMQ's suggestPullingFromSlave).
   */
  suggestPullingFromSlave?: boolean;
}

export interface GetMessageRequest {
  topic: string;
  queueId: number;
  offset: number;
  maxMsgNums: number;
  /** Upper bound on the bytes returned (at least one message is returned if any matches). */
  maxTotalMsgSize?: number;
  filter?: MessageFilter;
}

export interface QueryMessageResult {
  /** Matching records, newest first. */
  messages: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

/** Appends messages; resolves once the flush policy is met (or timed out). Never rejects for a bad message. */
export interface MessageAppender {
  putMessage(msg: MessageExtBrokerInner): Promise<PutMessageResult>;
  /** Appends the messages of one batch as consecutive records of one queue. */
  putMessages(msgs: readonly MessageExtBrokerInner[]): Promise<PutMessageResult>;
}

export interface MessageReader {
  getMessage(request: GetMessageRequest): GetMessageResult;
  /** The whole record at a physical offset, or undefined when there is none. */
  lookMessageByOffset(commitLogOffset: number): Buffer | undefined;
  queryMessage(
    topic: string,
    key: string,
    maxNum: number,
    begin: number,
    end: number,
  ): QueryMessageResult;
}

export interface OffsetIndex {
  getMinOffsetInQueue(topic: string, queueId: number): number;
  /** One past the last message's queue offset (0 for an empty or unknown queue). */
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  /** First queue offset whose store time is at or after `timestamp` (maxOffset if none). */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): number;
  getEarliestMessageTime(topic?: string, queueId?: number): number | undefined;
  getMessageStoreTimeStamp(
    topic: string,
    queueId: number,
    consumeQueueOffset: number,
  ): number | undefined;
  getMinPhyOffset(): number;
  getMaxPhyOffset(): number;
  getCommitLogOffsetInQueue(
    topic: string,
    queueId: number,
    consumeQueueOffset: number,
  ): number | undefined;
  /** Up to `count` ConsumeQueue units from `index` (mqadmin queryCq), fewer at a file's end. */
  getQueueUnits(
    topic: string,
    queueId: number,
    index: number,
    count: number,
  ): { physicOffset: number; physicSize: number; tagsCode: number }[];
}

/** What the broker's core reads of the store beyond messages and offsets. */
export interface StoreAdmin {
  readonly config: StoreConfig;
  /** Offset up to which the CommitLog is on disk. */
  getFlushedPhyOffset(): number;
  /** Deletes a topic's ConsumeQueues (its records stay in the CommitLog until retention). */
  deleteTopic(topic: string): void;
  /** The file system of the CommitLog: size, free bytes, and percent used. */
  diskSpace(): { totalBytes: number; freeBytes: number; usedPercent: number };
  /** Bytes appended but not yet on disk. */
  remainToFlushBytes(): number;
  /** The timing wheel, when timerWheelEnable. */
  readonly timer: TimerScheduler | undefined;
}

/** The store as the broker's core sees it (message-store.ts is the one implementation). */
export type BrokerStore = MessageAppender & MessageReader & OffsetIndex & StoreAdmin;

/** What the background services that move messages between queues need. */
export type QueueStore = MessageAppender & MessageReader & OffsetIndex;

export interface StoreLifecycle {
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Hands due timer messages (records of the timer topic, exactly as stored) to the broker, which
 * stores each under its real topic; resolves once they are stored, rejects to have them retried.
 */
export type TimerDelivery = (records: Buffer[]) => Promise<void>;

export interface TimerStats {
  /** Messages waiting in the wheel. */
  pending: number;
  enqueued: number;
  delivered: number;
  /** Messages moved forward because they were due beyond the wheel's window. */
  rolled: number;
  /** Messages whose CommitLog record was gone when they came due (skipped). */
  missing: number;
  /** Every slot before this time is delivered. */
  dequeueTimeMs: number;
  /** Timer-topic messages stored but not yet in the wheel. */
  enqueueLag: number;
}

/** The timing wheel behind timer messages (present when timerWheelEnable). */
export interface TimerScheduler {
  start(deliver: TimerDelivery): void;
  readonly stats: TimerStats;
  /** Finishes the slot in hand and writes the final snapshot. */
  shutdown(): Promise<void>;
}
