import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RmqError } from '../../common/errors/rmq-error.ts';
import { SegmentFile } from './segment-file.ts';

/**
 * The ordered, contiguous files of one log (RocketMQ's MappedFileQueue): find by offset, roll to a
 * new file, drop the oldest, truncate the tail.
 */
export class SegmentQueue {
  readonly dir: string;
  readonly fileSize: number;
  /** Write zeros through the first file at creation (later ones come warm from a SegmentAllocator). */
  private readonly warm: boolean;
  readonly files: SegmentFile[] = [];

  constructor(dir: string, fileSize: number, warm = false) {
    this.dir = dir;
    this.fileSize = fileSize;
    this.warm = warm;
  }

  /** Opens the files on disk; names that are not 20-digit offsets are ignored. */
  load(): void {
    mkdirSync(this.dir, { recursive: true });
    const names = readdirSync(this.dir)
      .filter((n) => /^\d{20}$/.test(n))
      .sort();
    for (const name of names) {
      const from = Number(name);
      if (from % this.fileSize !== 0) {
        throw new RmqError(
          'STORE_CORRUPTED',
          `Cannot load ${join(this.dir, name)}: its offset is not a multiple of the file size ${this.fileSize}`,
        );
      }
      const prev = this.files[this.files.length - 1];
      if (prev && prev.endOffset !== from) {
        throw new RmqError(
          'STORE_CORRUPTED',
          `Cannot load ${this.dir}: files are not contiguous at ${name}`,
        );
      }
      this.files.push(SegmentFile.open(join(this.dir, name), from, this.fileSize));
    }
  }

  get first(): SegmentFile | undefined {
    return this.files[0];
  }

  get last(): SegmentFile | undefined {
    return this.files[this.files.length - 1];
  }

  get minOffset(): number {
    return this.files[0]?.fromOffset ?? 0;
  }

  /** The file holding `offset`, or undefined when it is outside the files on disk. */
  find(offset: number): SegmentFile | undefined {
    const first = this.files[0];
    if (!first || offset < first.fromOffset) return undefined;
    return this.files[Math.floor((offset - first.fromOffset) / this.fileSize)];
  }

  /**
   * Creates the file that starts at `fromOffset` (the next one after the last, or the first),
   * from a prepared zero-filled spare when one is given.
   */
  create(fromOffset: number, sparePath?: string): SegmentFile {
    const last = this.last;
    if (last && last.endOffset !== fromOffset) {
      throw new RmqError(
        'STORE_CORRUPTED',
        `Cannot create segment at ${fromOffset}: the last one ends at ${last.endOffset}`,
      );
    }
    mkdirSync(this.dir, { recursive: true });
    const file = sparePath
      ? SegmentFile.adopt(sparePath, this.dir, fromOffset, this.fileSize)
      : SegmentFile.create(
          this.dir,
          fromOffset,
          this.fileSize,
          this.warm && this.files.length === 0,
        );
    this.files.push(file);
    return file;
  }

  /** Deletes every file after the one holding `offset` and discards its bytes from `offset` on. */
  truncateFrom(offset: number): void {
    for (let last = this.last; last && last.fromOffset > offset; last = this.last) {
      this.files.pop();
      last.destroy();
    }
    const holder = this.find(offset);
    if (holder) holder.discardFrom(offset - holder.fromOffset);
  }

  /** Removes the first file. */
  shiftFirst(): SegmentFile | undefined {
    const file = this.files.shift();
    file?.destroy();
    return file;
  }

  close(): void {
    for (const f of this.files) f.close();
  }
}
