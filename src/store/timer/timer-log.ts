import { readLong, writeLong } from '../../common/message/message-ext-codec.ts';
import { SegmentQueue } from '../segment/segment-queue.ts';

/** Bytes per timer record. */
export const TIMER_RECORD_SIZE = 40;
/** Read-cache block: a multiple of the record size, so no record straddles two blocks. */
const BLOCK_SIZE = 100 * 40;
const CACHED_BLOCKS = 256;
const WRITE_BUFFER_SIZE = 64 * 1024;

/**
 * One entry of the timer log. Records of a slot are linked newest to oldest by `prevPos`, so a
 * slot is read by walking back from the wheel's last position. Layout (big-endian, 40 bytes):
 * prevPos 8 (-1 ends the chain), slotTimeMs 8, commitLogOffset 8, deliverMs 8, size 4, reserved 4.
 */
export interface TimerRecord {
  prevPos: number;
  slotTimeMs: number;
  commitLogOffset: number;
  size: number;
  deliverMs: number;
}

/**
 * The append-only timer log (RocketMQ's TimerLog): fixed 40-byte records in segment files named by
 * their start offset. Appends gather in a buffer written out once per enqueue batch; reads of
 * single records go through a small block cache, since a slot's records are mostly neighbours.
 * A zero slot time marks the end of the written records.
 */
export class TimerLog {
  private readonly queue: SegmentQueue;
  private readonly pending = Buffer.alloc(WRITE_BUFFER_SIZE);
  private pendingBytes = 0;
  /** Offset of the first pending byte (everything before it is written to a file). */
  private writtenOffset = 0;
  private readonly blocks = new Map<number, Buffer>();

  constructor(dir: string, fileSize: number) {
    this.queue = new SegmentQueue(dir, fileSize);
  }

  get fileSize(): number {
    return this.queue.fileSize;
  }

  get minOffset(): number {
    return this.queue.minOffset;
  }

  /** One past the last appended record. */
  get endOffset(): number {
    return this.writtenOffset + this.pendingBytes;
  }

  /** Opens the files and drops anything from `validEnd` on (bytes the last checkpoint does not cover). */
  load(validEnd: number): void {
    this.queue.load();
    const first = this.queue.first;
    let end = Math.max(validEnd, first?.fromOffset ?? 0);
    end -= end % TIMER_RECORD_SIZE;
    const last = this.queue.last;
    if (last && end > last.endOffset) end = last.endOffset;
    if (!first) end = validEnd - (validEnd % TIMER_RECORD_SIZE);
    this.queue.truncateFrom(end);
    this.writtenOffset = end;
  }

  /**
   * Visits every record from the first file to the end, in order (recovery rebuilds the wheel
   * from this). Reads whole blocks, not records.
   */
  scan(visit: (pos: number, rec: TimerRecord) => void): void {
    const chunk = Buffer.alloc(1024 * 1024);
    const rec: TimerRecord = {
      prevPos: 0,
      slotTimeMs: 0,
      commitLogOffset: 0,
      size: 0,
      deliverMs: 0,
    };
    for (const file of this.queue.files) {
      for (let at = 0; at < file.size; at += chunk.length) {
        const limit = Math.min(chunk.length, this.writtenOffset - file.fromOffset - at);
        if (limit <= 0) return;
        const n = file.read(chunk, 0, limit, at);
        for (let p = 0; p + TIMER_RECORD_SIZE <= n; p += TIMER_RECORD_SIZE) {
          decodeInto(chunk, p, rec);
          if (rec.slotTimeMs === 0) return;
          visit(file.fromOffset + at + p, rec);
        }
      }
    }
  }

  /** Appends a record; returns its position. Call `writeOut()` before reading it back. */
  append(
    prevPos: number,
    slotTimeMs: number,
    commitLogOffset: number,
    size: number,
    deliverMs: number,
  ): number {
    if (this.pendingBytes + TIMER_RECORD_SIZE > this.pending.length) this.writeOut();
    // The file size is a multiple of the record size, so a record never straddles two files.
    const pos = this.endOffset;
    const b = this.pending;
    const at = this.pendingBytes;
    writeLong(b, prevPos, at);
    writeLong(b, slotTimeMs, at + 8);
    writeLong(b, commitLogOffset, at + 16);
    writeLong(b, deliverMs, at + 24);
    b.writeInt32BE(size, at + 32);
    b.writeInt32BE(0, at + 36);
    this.pendingBytes += TIMER_RECORD_SIZE;
    this.blocks.delete(this.blockStart(pos));
    return pos;
  }

  /** Writes the gathered appends to their files (one write per file touched). */
  writeOut(): void {
    let done = 0;
    while (done < this.pendingBytes) {
      const offset = this.writtenOffset;
      const file =
        this.queue.find(offset) ?? this.queue.create(offset - (offset % this.queue.fileSize));
      const inFile = offset - file.fromOffset;
      const n = Math.min(this.pendingBytes - done, file.size - inFile);
      file.write(this.pending, done, n, inFile);
      done += n;
      this.writtenOffset += n;
    }
    this.pendingBytes = 0;
  }

  /** Start of the cache block holding `pos`; blocks never cross a file (files start at multiples of the file size). */
  private blockStart(pos: number): number {
    const inFile = pos % this.queue.fileSize;
    return pos - (inFile % BLOCK_SIZE);
  }

  /** Reads the record at `pos` (which must have been written out). */
  read(pos: number, into: TimerRecord): TimerRecord {
    const blockStart = this.blockStart(pos);
    let block = this.blocks.get(blockStart);
    if (!block) {
      const file = this.queue.find(pos);
      if (!file) throw new Error(`timer log position ${pos} is outside the files`);
      block = Buffer.alloc(BLOCK_SIZE);
      const start = blockStart - file.fromOffset;
      file.read(block, 0, Math.min(BLOCK_SIZE, file.size - start), start);
      if (this.blocks.size >= CACHED_BLOCKS) {
        const oldest = this.blocks.keys().next().value;
        if (oldest !== undefined) this.blocks.delete(oldest);
      }
      this.blocks.set(blockStart, block);
    }
    return decodeInto(block, pos - blockStart, into);
  }

  /** fdatasync of the files written since the last flush: the last one, and the one before if it rolled. */
  async flush(): Promise<void> {
    this.writeOut();
    const files = this.queue.files;
    const tail = files.slice(-2);
    await Promise.all(tail.map((f) => f.datasync()));
  }

  /** Deletes leading files that `isDead(file start, file end)` says hold nothing live; never the last. */
  deleteLeading(isDead: (fromOffset: number, endOffset: number) => boolean): number {
    let deleted = 0;
    while (this.queue.files.length > 1) {
      const first = this.queue.first;
      if (!first || !isDead(first.fromOffset, first.endOffset)) break;
      this.queue.shiftFirst();
      deleted++;
    }
    if (deleted > 0) this.blocks.clear();
    return deleted;
  }

  close(): void {
    this.writeOut();
    this.queue.close();
  }
}

function decodeInto(b: Buffer, at: number, rec: TimerRecord): TimerRecord {
  rec.prevPos = readLong(b, at);
  rec.slotTimeMs = readLong(b, at + 8);
  rec.commitLogOffset = readLong(b, at + 16);
  rec.deliverMs = readLong(b, at + 24);
  rec.size = b.readInt32BE(at + 32);
  return rec;
}
