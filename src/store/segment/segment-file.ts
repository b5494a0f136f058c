import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  read,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { RmqError } from '../../common/errors/rmq-error.ts';
import { guardIo } from './guard-io.ts';
import { zeroFillSync } from './zero-fill.ts';

/** Segment files are named by their 20-digit start offset, as RocketMQ names them. */
export function segmentName(fromOffset: number): string {
  return String(fromOffset).padStart(20, '0');
}

/**
 * One preallocated file of a log: CommitLog segments, ConsumeQueue files. Positions passed to its
 * methods are inside the file; `fromOffset` maps them to log offsets.
 */
export class SegmentFile {
  readonly path: string;
  readonly fromOffset: number;
  readonly size: number;
  private fd: number;

  private constructor(path: string, fromOffset: number, size: number, fd: number) {
    this.path = path;
    this.fromOffset = fromOffset;
    this.size = size;
    this.fd = fd;
  }

  /** Creates the file at its full size (sparse unless `warm`, which writes zeros through it). */
  static create(dir: string, fromOffset: number, size: number, warm = false): SegmentFile {
    const path = join(dir, segmentName(fromOffset));
    const fd = guardIo(path, 'create', () => openSync(path, 'wx+'));
    const file = new SegmentFile(path, fromOffset, size, fd);
    guardIo(path, 'preallocate', () => {
      ftruncateSync(fd, size);
      if (warm) zeroFillSync(path, size);
    });
    return file;
  }

  /** Turns a prepared zero-filled file into the segment starting at `fromOffset`. */
  static adopt(sparePath: string, dir: string, fromOffset: number, size: number): SegmentFile {
    const path = join(dir, segmentName(fromOffset));
    guardIo(path, 'adopt', () => renameSync(sparePath, path));
    return SegmentFile.open(path, fromOffset, size);
  }

  /** Opens an existing file; a shorter file (torn creation) is extended to the expected size. */
  static open(path: string, fromOffset: number, size: number): SegmentFile {
    const fd = guardIo(path, 'open', () => openSync(path, 'r+'));
    const actual = fstatSync(fd).size;
    if (actual < size) guardIo(path, 'extend', () => ftruncateSync(fd, size));
    return new SegmentFile(path, fromOffset, size, fd);
  }

  get endOffset(): number {
    return this.fromOffset + this.size;
  }

  /** Writes `length` bytes of `buf` from `start` at `position` in the file. */
  write(buf: Buffer, start: number, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      done += writeSync(this.fd, buf, start + done, length - done, position + done);
    }
  }

  /** Reads into `buf`; returns the bytes read (short only at the end of the file). */
  read(buf: Buffer, start: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, start + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** Reads on the libuv pool; resolves with the bytes read. */
  readAsync(buf: Buffer, start: number, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      read(this.fd, buf, start, length, position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }

  /** fdatasync on the libuv pool, so the event loop keeps gathering the next group. */
  datasync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fdatasync(this.fd, (err) => {
        if (err)
          reject(new RmqError('STORE_IO_FAILED', `Cannot fdatasync ${this.path}`, { cause: err }));
        else resolve();
      });
    });
  }

  datasyncSync(): void {
    guardIo(this.path, 'fdatasync', () => fdatasyncSync(this.fd));
  }

  /** Drops everything from `position` on: the kernel frees those blocks and they read as zeros. */
  discardFrom(position: number): void {
    guardIo(this.path, 'truncate', () => {
      ftruncateSync(this.fd, position);
      ftruncateSync(this.fd, this.size);
    });
  }

  mtimeMs(): number {
    return fstatSync(this.fd).mtimeMs;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  destroy(): void {
    this.close();
    guardIo(this.path, 'delete', () => unlinkSync(this.path));
  }
}
