import type { Logger } from 'pino';
import {
  encodeRecord,
  MAX_PROPERTIES_BYTES,
  measureRecord,
  type EncodedLengths,
} from '../../common/message/message-ext-codec.ts';
import type { MessageExtBrokerInner } from '../../common/message/message-ext.ts';
import { offsetMessageIdOf, offsetMessageIdPrefix } from '../../common/message/message-id.ts';
import { PutMessageStatus, type PutMessageResult, type ReplicaAck } from '../api.ts';
import type { ConsumeQueueTable } from '../consumequeue/consume-queue-table.ts';
import type { ConsumeQueue } from '../consumequeue/consume-queue.ts';
import type { QueueDispatcher } from '../dispatch/queue-dispatcher.ts';
import type { FlushCommitLogService } from '../flush/flush-commit-log-service.ts';
import type { StoreConfig } from '../store-config.ts';
import type { CommitLog } from './commit-log.ts';

interface PendingAck {
  endOffset: number;
  result: PutMessageResult;
  resolve: (result: PutMessageResult) => void;
}

export interface CommitLogAppenderOptions {
  commitLog: CommitLog;
  consumeQueues: ConsumeQueueTable;
  dispatcher: QueueDispatcher;
  flushService: FlushCommitLogService;
  config: StoreConfig;
  logger: Logger;
  /** Called once per write with the queues that got messages. */
  onArrived: (queues: ReadonlySet<ConsumeQueue>) => void;
}

const TOPIC_PATH_SAFE = /^[^/\\\0]+$/;

/**
 * The append path. Appends run on the event loop without locks: each one reserves space in the
 * CommitLog's write buffer, encodes its record in place and takes its queue offset. Once per loop
 * turn the gathered bytes are written with one call, the records are dispatched to their queues,
 * and the appends are acknowledged (ASYNC_FLUSH) or handed to group commit (SYNC_FLUSH).
 */
export class CommitLogAppender {
  private readonly o: CommitLogAppenderOptions;
  private readonly syncFlush: boolean;
  private acks: PendingAck[] = [];
  private commitScheduled = false;
  private idHost: Uint8Array | undefined;
  private idPrefix = '';
  /** Set on a SYNC_MASTER: acknowledgements also wait for a replica. */
  replicaAck: ReplicaAck | undefined;

  constructor(options: CommitLogAppenderOptions) {
    this.o = options;
    this.syncFlush = options.config.flushDiskType === 'SYNC_FLUSH';
  }

  /** Appends one message, or a batch to one topic and queue; settles once durable as configured. */
  put(msgs: readonly MessageExtBrokerInner[]): Promise<PutMessageResult> {
    const lengths: EncodedLengths[] = [];
    for (const msg of msgs) {
      const bad = this.check(msg, msgs[0]);
      if (!('total' in bad)) return Promise.resolve(bad);
      lengths.push(bad);
    }
    if (msgs.length === 0) return Promise.resolve(illegal('the batch holds no message'));
    return new Promise((resolve) => this.append(msgs, lengths, resolve));
  }

  /** Writes and settles whatever is gathered now (shutdown). */
  drain(): void {
    this.commitPending();
  }

  private check(
    msg: MessageExtBrokerInner,
    first: MessageExtBrokerInner | undefined,
  ): EncodedLengths | PutMessageResult {
    const { config } = this.o;
    if (!TOPIC_PATH_SAFE.test(msg.topic) || msg.topic === '.' || msg.topic === '..') {
      return illegal(`the topic "${msg.topic}" cannot name a queue folder`);
    }
    if (!Number.isInteger(msg.queueId) || msg.queueId < 0)
      return illegal(`the queue id ${msg.queueId} is not valid`);
    if (first && (first.topic !== msg.topic || first.queueId !== msg.queueId)) {
      return illegal('the messages of one batch must go to one topic and queue');
    }
    if (msg.body.length > config.maxMessageSize) {
      return illegal(
        `the message body is ${msg.body.length} bytes, above maxMessageSize ${config.maxMessageSize}`,
      );
    }
    const lengths = measureRecord(msg);
    if (lengths.propertiesLength > MAX_PROPERTIES_BYTES) {
      return {
        status: PutMessageStatus.PROPERTIES_SIZE_EXCEEDED,
        remark: `the properties are ${lengths.propertiesLength} bytes, above ${MAX_PROPERTIES_BYTES}`,
      };
    }
    if (lengths.total > this.o.commitLog.maxRecordSize) {
      return illegal(
        `the record is ${lengths.total} bytes, more than a CommitLog segment holds (mappedFileSizeCommitLog ${config.mappedFileSizeCommitLog})`,
      );
    }
    return lengths;
  }

  /** Hex of the store host for message ids, recomputed only when the host buffer changes. */
  private hostPrefix(storeHost: Uint8Array): string {
    if (storeHost !== this.idHost) {
      this.idHost = storeHost;
      this.idPrefix = offsetMessageIdPrefix(storeHost);
    }
    return this.idPrefix;
  }

  private append(
    msgs: readonly MessageExtBrokerInner[],
    lengths: readonly EncodedLengths[],
    resolve: (r: PutMessageResult) => void,
  ): void {
    const { commitLog, dispatcher } = this.o;
    const first = msgs[0] as MessageExtBrokerInner;
    const cq = this.o.consumeQueues.findOrCreate(first.topic, first.queueId);
    const storeTimestamp = Date.now();
    const msgIds: string[] = [];
    let wroteOffset = -1;
    let endOffset = 0;
    let wroteBytes = 0;
    const logicsOffset = cq.nextAssignOffset;
    try {
      for (let i = 0; i < msgs.length; i++) {
        const msg = msgs[i] as MessageExtBrokerInner;
        const len = lengths[i] as EncodedLengths;
        const offset = commitLog.reserve(len.total);
        const queueOffset = cq.nextAssignOffset++;
        encodeRecord(
          commitLog.writeBuffer,
          offset - commitLog.writeBufferStart,
          msg,
          len,
          queueOffset,
          offset,
          storeTimestamp,
        );
        dispatcher.add({
          cq,
          queueOffset,
          offset,
          size: len.total,
          tagsCode: msg.tagsCode,
          storeTimestamp,
          keys: msg.keys,
          uniqKey: msg.uniqKey,
        });
        if (wroteOffset < 0) wroteOffset = offset;
        endOffset = offset + len.total;
        wroteBytes += len.total;
        msgIds.push(offsetMessageIdOf(this.hostPrefix(msg.storeHost), offset));
      }
    } catch (err) {
      this.o.logger.error({ err }, 'Append failed');
      endOffset = Infinity;
    }
    this.acks.push({
      endOffset,
      result: {
        status: PutMessageStatus.PUT_OK,
        appendResult: {
          wroteOffset,
          wroteBytes,
          logicsOffset,
          msgNum: msgs.length,
          storeTimestamp,
          msgIds,
        },
      },
      resolve,
    });
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(this.commitPending);
    }
  }

  /** Writes gathered bytes, makes the records visible in their queues, and settles the appends. */
  private readonly commitPending = (): void => {
    this.commitScheduled = false;
    const { commitLog } = this.o;
    let failure: unknown;
    try {
      commitLog.writeOut();
    } catch (err) {
      failure = err;
      commitLog.discardUnwritten();
      this.o.logger.error({ err }, 'CommitLog write failed');
    }
    const written = commitLog.writtenOffset;
    const arrived = this.o.dispatcher.dispatchWritten(written);
    const acks = this.acks;
    this.acks = [];
    const deadline = Date.now() + this.o.config.syncFlushTimeout;
    for (const ack of acks) {
      if (ack.endOffset > written) ack.resolve(writeFailed(failure));
      else this.settle(ack, deadline);
    }
    if (arrived.size > 0) this.o.onArrived(arrived);
  };

  /**
   * Acknowledges a written append once the flush policy and the replica policy are met; they run
   * side by side, and a flush timeout outranks a replica's answer (as RocketMQ combines them).
   */
  private settle(ack: PendingAck, deadline: number): void {
    const replica = this.replicaAck;
    let waiting = (this.syncFlush ? 1 : 0) + (replica ? 1 : 0);
    if (waiting === 0) return ack.resolve(ack.result);
    let flushed = true;
    let replicated: PutMessageStatus = PutMessageStatus.PUT_OK;
    const done = (): void => {
      if (--waiting > 0) return;
      if (!flushed) ack.result.status = PutMessageStatus.FLUSH_DISK_TIMEOUT;
      else if (replicated !== PutMessageStatus.PUT_OK) ack.result.status = replicated;
      ack.resolve(ack.result);
    };
    if (this.syncFlush)
      this.o.flushService.await({
        endOffset: ack.endOffset,
        deadline,
        done: (ok) => {
          flushed = ok;
          done();
        },
      });
    replica?.await(ack.endOffset, deadline, (status) => {
      replicated = status;
      done();
    });
  }
}

function illegal(remark: string): PutMessageResult {
  return { status: PutMessageStatus.MESSAGE_ILLEGAL, remark };
}

function writeFailed(failure: unknown): PutMessageResult {
  const why =
    failure instanceof Error
      ? failure.cause instanceof Error
        ? failure.cause.message
        : failure.message
      : 'unknown';
  return {
    status: PutMessageStatus.SERVICE_NOT_AVAILABLE,
    remark: `the CommitLog write failed: ${why}`,
  };
}
