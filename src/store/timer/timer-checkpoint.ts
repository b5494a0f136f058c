import { closeSync, fdatasyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { readLong, writeLong } from '../../common/message/message-ext-codec.ts';
import { readCheckedFields, sealFields } from '../checkpoint/crc-fields.ts';
import { RmqError } from '../../common/errors/rmq-error.ts';

/*
 * The `timercheck` file: one consistent snapshot of the timer engine, taken between two slots.
 * enqueueOffset 8 (next unit of the timer topic to enqueue), dequeueTimeMs 8 (every slot before
 * it is delivered), timerLogEnd 8 (the timer log is durable up to here and nothing after it is
 * covered), precisionMs 4 and slots 4 (the wheel's shape the slot times were made for), then a
 * CRC of those 32 bytes. Written to a temporary file, synced, then renamed.
 */
const FIELDS_SIZE = 32;

export interface TimerCheckpoint {
  enqueueOffset: number;
  dequeueTimeMs: number;
  timerLogEnd: number;
  precisionMs: number;
  slots: number;
}

export function readTimerCheckpoint(path: string): TimerCheckpoint | undefined {
  const buf = readCheckedFields(path, FIELDS_SIZE);
  if (!buf) return undefined;
  return {
    enqueueOffset: readLong(buf, 0),
    dequeueTimeMs: readLong(buf, 8),
    timerLogEnd: readLong(buf, 16),
    precisionMs: buf.readInt32BE(24),
    slots: buf.readInt32BE(28),
  };
}

export function writeTimerCheckpoint(path: string, data: TimerCheckpoint): void {
  const buf = Buffer.alloc(FIELDS_SIZE + 4);
  writeLong(buf, data.enqueueOffset, 0);
  writeLong(buf, data.dequeueTimeMs, 8);
  writeLong(buf, data.timerLogEnd, 16);
  buf.writeInt32BE(data.precisionMs, 24);
  buf.writeInt32BE(data.slots, 28);
  sealFields(buf, FIELDS_SIZE);
  const tmp = `${path}.tmp`;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, buf, 0, buf.length, 0);
    fdatasyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    throw new RmqError('STORE_IO_FAILED', `Cannot write timer checkpoint ${path}`, { cause: err });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
