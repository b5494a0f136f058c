import { encodeBlankRecord } from '../../common/message/message-ext-codec.ts';
import { RmqError } from '../../common/errors/rmq-error.ts';
import { SegmentQueue } from '../segment/segment-queue.ts';
import type { SegmentFile } from '../segment/segment-file.ts';
import type { PageCacheWarmer } from '../segment/page-cache-warmer.ts';

/** Room kept at the end of every segment for the BLANK record (size + magic). */
export const END_FILE_MIN_BLANK_LENGTH = 8;
const MIN_WRITE_BUFFER = 4 * 1024 * 1024;

/**
 * The single append-only log of all topics. Appends are encoded straight into one write buffer
 * (no per-message copies), and `writeOut()` moves the gathered bytes to the current segment with
 * one write. A record never spans segments: the tail of a full segment is a BLANK record.
 */
export class CommitLog {
  readonly segments: SegmentQueue;
  /** Bytes not yet written to the file; belongs to the last segment. */
  private buffer: Buffer;
  private bufferLength = 0;
  /** Physical offset of buffer[0]. */
  private bufferStart = 0;
  /** Everything below this offset has been written to a file. */
  private written = 0;
  /** Hands over a prepared zero-filled segment file, when warming is on. */
  takeSpare: (() => string | undefined) | undefined;
  /** Asks for the next spare to be prepared; called once the current segment is half full. */
  prepareSpare: (() => void) | undefined;
  /** Told where appends reached after each write, to keep the pages ahead cached. */
  warmer: PageCacheWarmer | undefined;

  constructor(dir: string, segmentSize: number, writeBufferSize: number, warm: boolean) {
    this.segments = new SegmentQueue(dir, segmentSize, warm);
    this.buffer = Buffer.allocUnsafe(Math.max(MIN_WRITE_BUFFER, writeBufferSize));
  }

  load(): void {
    this.segments.load();
  }

  /** Physical offset of the end of the data, including bytes not yet written out. */
  get appendOffset(): number {
    return this.bufferStart + this.bufferLength;
  }

  /** Physical offset up to which bytes are in the files (page cache). */
  get writtenOffset(): number {
    return this.written;
  }

  get minOffset(): number {
    return this.segments.minOffset;
  }

  get segmentSize(): number {
    return this.segments.fileSize;
  }

  /** The largest record a segment can hold. */
  get maxRecordSize(): number {
    return this.segments.fileSize - END_FILE_MIN_BLANK_LENGTH;
  }

  /** Positions the log after recovery: data ends at `offset`, anything beyond is discarded. */
  setEnd(offset: number): void {
    this.segments.truncateFrom(offset);
    const last = this.segments.last;
    if (last && last.endOffset === offset) this.segments.create(offset);
    this.bufferLength = 0;
    this.bufferStart = offset;
    this.written = offset;
  }

  /**
   * Reserves `size` bytes for one record, rolling to a new segment when it does not fit in this
   * one. Returns the record's physical offset; the caller encodes into `writeBuffer` at
   * `offset - writeBufferStart`.
   */
  reserve(size: number): number {
    let segment = this.currentSegment();
    const posInSegment = this.appendOffset - segment.fromOffset;
    if (posInSegment + size + END_FILE_MIN_BLANK_LENGTH > segment.size) {
      this.ensureBuffer(END_FILE_MIN_BLANK_LENGTH);
      encodeBlankRecord(this.buffer, this.bufferLength, segment.size - posInSegment);
      this.bufferLength += END_FILE_MIN_BLANK_LENGTH;
      this.writeOut();
      segment = this.segments.create(segment.endOffset, this.takeSpare?.());
      this.bufferStart = segment.fromOffset;
      this.written = segment.fromOffset;
    }
    if (this.appendOffset - segment.fromOffset > segment.size / 2) this.prepareSpare?.();
    this.ensureBuffer(size);
    const offset = this.appendOffset;
    this.bufferLength += size;
    return offset;
  }

  get writeBuffer(): Buffer {
    return this.buffer;
  }

  get writeBufferStart(): number {
    return this.bufferStart;
  }

  /** Moves gathered bytes to the segment file. On failure the gathered bytes are dropped. */
  writeOut(): void {
    if (this.bufferLength === 0) return;
    const segment = this.currentSegment();
    const length = this.bufferLength;
    try {
      segment.write(this.buffer, 0, length, this.bufferStart - segment.fromOffset);
    } catch (err) {
      this.bufferLength = 0;
      throw new RmqError('STORE_IO_FAILED', `Cannot write ${length} bytes to ${segment.path}`, {
        cause: err,
      });
    }
    this.bufferStart += length;
    this.bufferLength = 0;
    this.written = this.bufferStart;
    this.warmer?.advance(segment, this.bufferStart - segment.fromOffset);
  }

  /**
   * Appends bytes copied from a master's CommitLog at `offset` (a slave's store): they land
   * verbatim, so the log stays byte-identical to the master's. `offset` must be where the data
   * ends now, or, for an empty log, the start of a segment (a master hands a new slave its
   * current segment onwards); the first segment then starts there. Returns false when it is
   * neither, and nothing is written.
   */
  appendRaw(offset: number, data: Buffer, start = 0, length = data.length - start): boolean {
    this.writeOut();
    if (offset !== this.written) {
      const empty = this.written === 0 && this.segments.files.every((f) => f.fromOffset === 0);
      if (!empty || offset % this.segments.fileSize !== 0) return false;
      while (this.segments.first) this.segments.shiftFirst();
      this.bufferStart = offset;
      this.written = offset;
    }
    let at = start;
    const end = start + length;
    while (at < end) {
      let segment = this.segments.last;
      if (!segment || segment.endOffset <= this.written)
        segment = this.segments.create(
          segment ? segment.endOffset : this.written - (this.written % this.segments.fileSize),
          this.takeSpare?.(),
        );
      const pos = this.written - segment.fromOffset;
      const n = Math.min(end - at, segment.size - pos);
      try {
        segment.write(data, at, n, pos);
      } catch (err) {
        throw new RmqError('STORE_IO_FAILED', `Cannot write ${n} bytes to ${segment.path}`, {
          cause: err,
        });
      }
      at += n;
      this.written += n;
      this.bufferStart = this.written;
      if (pos + n > segment.size / 2) this.prepareSpare?.();
      this.warmer?.advance(segment, pos + n);
    }
    return true;
  }

  /** Drops bytes reserved since the last writeOut (used when a write failed). */
  discardUnwritten(): void {
    this.bufferLength = 0;
  }

  /** Segments with bytes in [from, to). */
  segmentsBetween(from: number, to: number): SegmentFile[] {
    return this.segments.files.filter((f) => f.endOffset > from && f.fromOffset < to);
  }

  /**
   * Reads `size` bytes at `offset` into a new buffer, or undefined when the range is not on disk
   * (deleted by retention, or beyond the written data).
   */
  read(offset: number, size: number): Buffer | undefined {
    if (offset < 0 || size <= 0 || offset + size > this.written) return undefined;
    const segment = this.segments.find(offset);
    if (!segment || offset + size > segment.endOffset) return undefined;
    const out = Buffer.allocUnsafe(size);
    const n = segment.read(out, 0, size, offset - segment.fromOffset);
    return n === size ? out : undefined;
  }

  /** The record size stored at `offset` (its first 4 bytes), or undefined. */
  readSize(offset: number): number | undefined {
    const head = this.read(offset, 4);
    return head?.readInt32BE(0);
  }

  /** Creates the segment that appends go to now, if there is none yet. */
  ensureSegment(): void {
    this.currentSegment();
  }

  private currentSegment(): SegmentFile {
    const last =
      this.segments.last ??
      this.segments.create(this.bufferStart - (this.bufferStart % this.segments.fileSize));
    return last;
  }

  private ensureBuffer(size: number): void {
    if (this.bufferLength + size <= this.buffer.length) return;
    this.writeOut();
    if (size > this.buffer.length) this.buffer = Buffer.allocUnsafe(size);
  }

  close(): void {
    this.segments.close();
  }
}
