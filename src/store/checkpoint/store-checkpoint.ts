import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { readLong, writeLong } from '../../common/message/message-ext-codec.ts';
import { readCheckedFields, sealFields } from './crc-fields.ts';
import { RmqError } from '../../common/errors/rmq-error.ts';

/*
 * The `checkpoint` file: RocketMQ's five fields at 0..40 (physicMsgTimestamp, logicsMsgTimestamp,
 * indexMsgTimestamp, masterFlushedOffset, confirmPhyOffset), then ours: the CommitLog flushed
 * offset, the CommitLog offset up to which ConsumeQueues and IndexFiles are on disk, and a CRC of
 * bytes 0..64 so a torn checkpoint is detected (and recovery falls back to a longer scan).
 */
const FIELDS_SIZE = 64;
const FILE_SIZE = 4096;

export interface CheckpointData {
  physicMsgTimestamp: number;
  logicsMsgTimestamp: number;
  indexMsgTimestamp: number;
  masterFlushedOffset: number;
  confirmPhyOffset: number;
  commitLogFlushedOffset: number;
  logicsFlushedPhyOffset: number;
  indexFlushedPhyOffset: number;
}

export function readCheckpoint(path: string): CheckpointData | undefined {
  const buf = readCheckedFields(path, FIELDS_SIZE);
  if (!buf) return undefined;
  return {
    physicMsgTimestamp: readLong(buf, 0),
    logicsMsgTimestamp: readLong(buf, 8),
    indexMsgTimestamp: readLong(buf, 16),
    masterFlushedOffset: readLong(buf, 24),
    confirmPhyOffset: readLong(buf, 32),
    commitLogFlushedOffset: readLong(buf, 40),
    logicsFlushedPhyOffset: readLong(buf, 48),
    indexFlushedPhyOffset: readLong(buf, 56),
  };
}

/** Writes the checkpoint in place (one 4 KiB write) and fdatasyncs it. */
export function writeCheckpoint(path: string, data: CheckpointData): void {
  const buf = Buffer.alloc(FILE_SIZE);
  writeLong(buf, data.physicMsgTimestamp, 0);
  writeLong(buf, data.logicsMsgTimestamp, 8);
  writeLong(buf, data.indexMsgTimestamp, 16);
  writeLong(buf, data.masterFlushedOffset, 24);
  writeLong(buf, data.confirmPhyOffset, 32);
  writeLong(buf, data.commitLogFlushedOffset, 40);
  writeLong(buf, data.logicsFlushedPhyOffset, 48);
  writeLong(buf, data.indexFlushedPhyOffset, 56);
  sealFields(buf, FIELDS_SIZE);
  let fd = -1;
  try {
    fd = openSync(path, 'w');
    writeSync(fd, buf, 0, FILE_SIZE, 0);
    fdatasyncSync(fd);
  } catch (err) {
    throw new RmqError('STORE_IO_FAILED', `Cannot write checkpoint ${path}`, { cause: err });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
