import { SegmentQueue } from '../segment/segment-queue.ts';
import type { SegmentFile } from '../segment/segment-file.ts';
import { readLong, writeLong } from '../../common/message/message-ext-codec.ts';

/** A ConsumeQueue unit: CommitLog offset (8), record size (4), tag hash code (8). */
export const CQ_UNIT_SIZE = 20;
const TAIL_UNITS = 4096;

/** Units read for a pull: `count` units starting at queue offset `start`, in `buffer`. */
export interface UnitRange {
  start: number;
  count: number;
  buffer: Buffer;
}

/**
 * The logical queue of one topic and queue id: 20-byte units pointing into the CommitLog, in
 * files of `fileSize` bytes named by their byte offset. New units gather in an in-memory tail that
 * is written to the files when it fills and at every flush; reads look at both.
 */
export class ConsumeQueue {
  readonly topic: string;
  readonly queueId: number;
  private readonly files: SegmentQueue;
  private readonly unitsPerFile: number;
  private tail = Buffer.allocUnsafe(TAIL_UNITS * CQ_UNIT_SIZE);
  private tailCount = 0;
  /** Units [.. writtenUnits) are in the files. */
  private writtenUnits = 0;
  private minLogicOffset = 0;
  /** Next queue offset to hand out at append time (runs ahead of maxOffset until dispatch). */
  nextAssignOffset = 0;
  /** End of the last dispatched record in the CommitLog. */
  maxPhysicOffset = 0;

  constructor(dir: string, topic: string, queueId: number, fileSize: number) {
    this.topic = topic;
    this.queueId = queueId;
    this.files = new SegmentQueue(dir, fileSize);
    this.unitsPerFile = fileSize / CQ_UNIT_SIZE;
  }

  /** Opens the files and finds the last valid unit (a unit with a positive size). */
  load(): void {
    this.files.load();
    const last = this.files.last;
    const first = this.files.first;
    if (!last || !first) return;
    const buf = Buffer.allocUnsafe(this.files.fileSize);
    const n = last.read(buf, 0, last.size, 0);
    let valid = 0;
    while (
      valid * CQ_UNIT_SIZE + CQ_UNIT_SIZE <= n &&
      buf.readInt32BE(valid * CQ_UNIT_SIZE + 8) > 0
    )
      valid++;
    this.writtenUnits = last.fromOffset / CQ_UNIT_SIZE + valid;
    if (valid > 0) {
      const at = (valid - 1) * CQ_UNIT_SIZE;
      this.maxPhysicOffset = readLong(buf, at) + buf.readInt32BE(at + 8);
    }
    this.minLogicOffset = first.fromOffset / CQ_UNIT_SIZE;
    this.nextAssignOffset = this.writtenUnits;
  }

  get minOffset(): number {
    return this.minLogicOffset;
  }

  /** One past the last dispatched unit. */
  get maxOffset(): number {
    return this.writtenUnits + this.tailCount;
  }

  /** Appends the unit for queue offset `queueOffset`; a gap (lost units) is filled with empty units. */
  putUnit(queueOffset: number, physicOffset: number, size: number, tagsCode: number): void {
    if (queueOffset < this.maxOffset) return; // already dispatched (recovery re-dispatch)
    if (this.maxOffset === 0 && this.writtenUnits === 0 && this.files.files.length === 0) {
      this.minLogicOffset = queueOffset;
      this.writtenUnits = queueOffset;
    }
    while (this.maxOffset < queueOffset) this.appendUnit(0, 0, 0);
    this.appendUnit(physicOffset, size, tagsCode);
    this.maxPhysicOffset = physicOffset + size;
    if (this.nextAssignOffset < this.maxOffset) this.nextAssignOffset = this.maxOffset;
  }

  private appendUnit(physicOffset: number, size: number, tagsCode: number): void {
    if (this.tailCount === TAIL_UNITS) this.writeOut();
    const at = this.tailCount * CQ_UNIT_SIZE;
    writeLong(this.tail, physicOffset, at);
    this.tail.writeInt32BE(size, at + 8);
    writeLong(this.tail, tagsCode, at + 12);
    this.tailCount++;
  }

  /** Writes the in-memory tail to the files. */
  writeOut(): void {
    let done = 0;
    while (done < this.tailCount) {
      const unit = this.writtenUnits;
      const fileFrom = (unit - (unit % this.unitsPerFile)) * CQ_UNIT_SIZE;
      const file = this.files.find(fileFrom) ?? this.files.create(fileFrom);
      const room = this.unitsPerFile - (unit % this.unitsPerFile);
      const n = Math.min(room, this.tailCount - done);
      file.write(this.tail, done * CQ_UNIT_SIZE, n * CQ_UNIT_SIZE, unit * CQ_UNIT_SIZE - fileFrom);
      this.writtenUnits += n;
      done += n;
    }
    this.tailCount = 0;
  }

  /** Writes the tail to the files; returns the files written, for the caller to fdatasync. */
  flush(): SegmentFile[] {
    const before = this.writtenUnits;
    this.writeOut();
    if (this.writtenUnits === before) return [];
    const first = this.files.find((before - (before % this.unitsPerFile)) * CQ_UNIT_SIZE);
    const last = this.files.last;
    return [first, last].filter(
      (f, i, all): f is SegmentFile => f !== undefined && all.indexOf(f) === i,
    );
  }

  /**
   * Reads up to `maxCount` units from queue offset `start`, not crossing a file boundary. Returns
   * undefined when the units are not on disk (their file was deleted).
   */
  getUnits(start: number, maxCount: number): UnitRange | undefined {
    const end = Math.min(this.maxOffset, start + maxCount);
    if (start < this.minLogicOffset || start >= end) return undefined;
    const fileEnd = start - (start % this.unitsPerFile) + this.unitsPerFile;
    const count = Math.min(end, fileEnd) - start;
    const buffer = Buffer.allocUnsafe(count * CQ_UNIT_SIZE);
    const fromFile = Math.max(0, Math.min(count, this.writtenUnits - start));
    if (fromFile > 0) {
      const fileFrom = (start - (start % this.unitsPerFile)) * CQ_UNIT_SIZE;
      const file = this.files.find(fileFrom);
      if (!file) return undefined;
      const n = file.read(buffer, 0, fromFile * CQ_UNIT_SIZE, start * CQ_UNIT_SIZE - fileFrom);
      if (n !== fromFile * CQ_UNIT_SIZE) return undefined;
    }
    if (fromFile < count) {
      const tailStart = start + fromFile - this.writtenUnits;
      this.tail.copy(
        buffer,
        fromFile * CQ_UNIT_SIZE,
        tailStart * CQ_UNIT_SIZE,
        (tailStart + count - fromFile) * CQ_UNIT_SIZE,
      );
    }
    return { start, count, buffer };
  }

  /** Queue offset where the next file begins (to skip over a missing file). */
  rollNextFile(offset: number): number {
    return offset - (offset % this.unitsPerFile) + this.unitsPerFile;
  }

  /** Removes units whose CommitLog offset is at or beyond `physicOffset` (recovery). */
  truncateByPhysicOffset(physicOffset: number): void {
    this.writeOut();
    let lo = this.minLogicOffset;
    let hi = this.writtenUnits;
    // Units are in CommitLog order: binary search the first unit at or beyond the offset.
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const range = this.getUnits(mid, 1);
      const phy = range ? readLong(range.buffer, 0) : Infinity;
      const size = range ? range.buffer.readInt32BE(8) : 0;
      // A filler unit (size 0, left by a lost stretch of the queue) counts as below.
      if (size === 0 || phy < physicOffset) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.writtenUnits) {
      this.files.truncateFrom(lo * CQ_UNIT_SIZE);
      this.writtenUnits = lo;
    }
    this.nextAssignOffset = this.writtenUnits;
    const lastRange =
      this.writtenUnits > this.minLogicOffset ? this.getUnits(this.writtenUnits - 1, 1) : undefined;
    this.maxPhysicOffset = lastRange
      ? readLong(lastRange.buffer, 0) + lastRange.buffer.readInt32BE(8)
      : 0;
  }

  /**
   * Deletes whole files whose units all point below `minPhysicOffset` (the CommitLog's new start),
   * keeping the last file, and moves the min offset past units that point below it.
   */
  deleteBelow(minPhysicOffset: number): number {
    this.writeOut();
    let deleted = 0;
    while (this.files.files.length > 1) {
      const first = this.files.first;
      if (!first) break;
      const lastUnit = this.getUnits(first.fromOffset / CQ_UNIT_SIZE + this.unitsPerFile - 1, 1);
      if (!lastUnit) break;
      const end = readLong(lastUnit.buffer, 0) + lastUnit.buffer.readInt32BE(8);
      if (end > minPhysicOffset) break;
      this.files.shiftFirst();
      deleted++;
      this.minLogicOffset = (this.files.first?.fromOffset ?? 0) / CQ_UNIT_SIZE;
    }
    // Advance the min offset past units that point at deleted CommitLog data.
    while (this.minLogicOffset < this.maxOffset) {
      const u = this.getUnits(this.minLogicOffset, 1);
      if (!u || readLong(u.buffer, 0) >= minPhysicOffset) break;
      this.minLogicOffset++;
    }
    return deleted;
  }

  close(): void {
    this.files.close();
  }

  destroy(): void {
    for (const f of [...this.files.files]) f.destroy();
  }
}

/** Reads a unit's tag hash code (a signed int64). */
export function readTagsCode(units: Buffer, unitIndex: number): number {
  return readLong(units, unitIndex * CQ_UNIT_SIZE + 12);
}
