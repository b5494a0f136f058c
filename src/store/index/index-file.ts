import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { RmqError } from '../../common/errors/rmq-error.ts';
import { guardIo } from '../segment/guard-io.ts';
import { readLong, writeLong } from '../../common/message/message-ext-codec.ts';

/*
 * RocketMQ's IndexFile layout:
 *   header (40): beginTimestamp 8 | endTimestamp 8 | beginPhyOffset 8 | endPhyOffset 8 |
 *                hashSlotCount 4 | indexCount 4
 *   hashSlotNum slots of 4 bytes: the newest entry number for keys hashing there (0 = none)
 *   maxIndexNum entries of 20 bytes: keyHash 4 | phyOffset 8 | timeDiff (seconds) 4 | prevIndex 4
 * Entry numbers start at 1; each entry links to the previous head of its slot.
 */
export const INDEX_HEADER_SIZE = 40;
export const INDEX_ENTRY_SIZE = 20;
const PAGE = 4096;

export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

/** RocketMQ's key hash: |String.hashCode|, with Integer.MIN_VALUE mapped to 0. */
export function indexKeyHash(javaHash: number): number {
  return javaHash === -2147483648 ? 0 : Math.abs(javaHash);
}

/**
 * One IndexFile. The file being written keeps its slot table in memory (flushed page by page) and
 * gathers new entries in memory until flush; full files are read from disk.
 */
export class IndexFile {
  readonly path: string;
  readonly hashSlotNum: number;
  readonly indexNum: number;
  readonly header: IndexHeader;
  private fd: number;
  private slots: Buffer | undefined;
  private dirtyPages: Uint8Array | undefined;
  private pendingEntries: Buffer | undefined;
  /** Entries [1, flushedCount) are in the file. */
  private flushedCount: number;

  private constructor(
    path: string,
    fd: number,
    hashSlotNum: number,
    indexNum: number,
    header: IndexHeader,
  ) {
    this.path = path;
    this.fd = fd;
    this.hashSlotNum = hashSlotNum;
    this.indexNum = indexNum;
    this.header = header;
    this.flushedCount = header.indexCount;
  }

  get fileSize(): number {
    return INDEX_HEADER_SIZE + this.hashSlotNum * 4 + this.indexNum * INDEX_ENTRY_SIZE;
  }

  static create(path: string, hashSlotNum: number, indexNum: number): IndexFile {
    const fd = guardIo(`index file ${path}`, 'create', () => openSync(path, 'wx+'));
    const file = new IndexFile(path, fd, hashSlotNum, indexNum, {
      beginTimestamp: 0,
      endTimestamp: 0,
      beginPhyOffset: 0,
      endPhyOffset: 0,
      hashSlotCount: 0,
      indexCount: 1,
    });
    guardIo(`index file ${path}`, 'preallocate', () => ftruncateSync(fd, file.fileSize));
    file.makeWritable(Buffer.alloc(hashSlotNum * 4));
    file.writeHeader();
    return file;
  }

  static open(path: string, hashSlotNum: number, indexNum: number): IndexFile {
    const fd = guardIo(`index file ${path}`, 'open', () => openSync(path, 'r+'));
    const h = Buffer.alloc(INDEX_HEADER_SIZE);
    readSync(fd, h, 0, INDEX_HEADER_SIZE, 0);
    const header: IndexHeader = {
      beginTimestamp: readLong(h, 0),
      endTimestamp: readLong(h, 8),
      beginPhyOffset: readLong(h, 16),
      endPhyOffset: readLong(h, 24),
      hashSlotCount: h.readInt32BE(32),
      indexCount: Math.max(1, h.readInt32BE(36)),
    };
    return new IndexFile(path, fd, hashSlotNum, indexNum, header);
  }

  get writable(): boolean {
    return this.slots !== undefined;
  }

  get isFull(): boolean {
    return this.header.indexCount >= this.indexNum;
  }

  /**
   * Loads the slot table for writing. When `rebuild`, the slots are recomputed from the entries
   * (after a crash the slot pages and the entries may have been written unevenly).
   */
  openForWrite(rebuild: boolean): void {
    const slots = Buffer.alloc(this.hashSlotNum * 4);
    if (rebuild) {
      this.makeWritable(slots);
      let used = 0;
      for (let i = 1; i < this.header.indexCount; i++) {
        const e = this.readEntry(i);
        const slot = e.keyHash % this.hashSlotNum;
        if (slots.readInt32BE(slot * 4) === 0) used++;
        slots.writeInt32BE(i, slot * 4);
      }
      this.header.hashSlotCount = used;
      this.dirtyPages?.fill(1);
    } else {
      readSync(this.fd, slots, 0, slots.length, INDEX_HEADER_SIZE);
      this.makeWritable(slots);
    }
  }

  private makeWritable(slots: Buffer): void {
    this.slots = slots;
    this.dirtyPages = new Uint8Array(Math.ceil(slots.length / PAGE));
    this.pendingEntries = Buffer.allocUnsafe(64 * INDEX_ENTRY_SIZE);
  }

  /** Adds one key; false when the file is full. */
  putKey(keyHash: number, phyOffset: number, storeTimestamp: number): boolean {
    const slots = this.slots;
    if (!slots || this.isFull) return false;
    const h = this.header;
    if (h.indexCount === 1) {
      h.beginTimestamp = storeTimestamp;
      h.beginPhyOffset = phyOffset;
    }
    const slot = keyHash % this.hashSlotNum;
    let prev = slots.readInt32BE(slot * 4);
    if (prev <= 0 || prev >= h.indexCount) prev = 0;
    if (prev === 0) h.hashSlotCount++;
    let timeDiff = Math.floor((storeTimestamp - h.beginTimestamp) / 1000);
    if (timeDiff < 0) timeDiff = 0;
    if (timeDiff > 0x7fffffff) timeDiff = 0x7fffffff;
    const n = h.indexCount;
    this.appendPending(n, keyHash, phyOffset, timeDiff, prev);
    slots.writeInt32BE(n, slot * 4);
    const dirty = this.dirtyPages;
    if (dirty) dirty[(slot * 4) >>> 12] = 1;
    h.indexCount = n + 1;
    h.endTimestamp = storeTimestamp;
    h.endPhyOffset = phyOffset;
    return true;
  }

  private appendPending(
    n: number,
    keyHash: number,
    phyOffset: number,
    timeDiff: number,
    prev: number,
  ): void {
    let pending = this.pendingEntries ?? Buffer.allocUnsafe(64 * INDEX_ENTRY_SIZE);
    const at = (n - this.flushedCount) * INDEX_ENTRY_SIZE;
    if (at + INDEX_ENTRY_SIZE > pending.length) {
      const grown = Buffer.allocUnsafe(pending.length * 2);
      pending.copy(grown, 0, 0, at);
      pending = grown;
    }
    this.pendingEntries = pending;
    pending.writeInt32BE(keyHash, at);
    writeLong(pending, phyOffset, at + 4);
    pending.writeInt32BE(timeDiff, at + 12);
    pending.writeInt32BE(prev, at + 16);
  }

  /** Entries first, then slot pages, then the header: a crash between them leaves a readable file. */
  flush(): void {
    const slots = this.slots;
    if (!slots) return;
    const pending = this.pendingEntries;
    const count = this.header.indexCount - this.flushedCount;
    if (count > 0 && pending) {
      writeAll(
        this.fd,
        pending,
        0,
        count * INDEX_ENTRY_SIZE,
        this.entryPosition(this.flushedCount),
      );
    }
    this.flushedCount = this.header.indexCount;
    const dirty = this.dirtyPages;
    if (dirty) {
      for (let p = 0; p < dirty.length; p++) {
        if (dirty[p] === 0) continue;
        let q = p;
        while (q + 1 < dirty.length && dirty[q + 1] === 1) q++;
        const from = p * PAGE;
        const to = Math.min(slots.length, (q + 1) * PAGE);
        writeAll(this.fd, slots, from, to - from, INDEX_HEADER_SIZE + from);
        dirty.fill(0, p, q + 1);
        p = q;
      }
    }
    this.writeHeader();
  }

  /** fdatasync on the libuv pool. */
  datasync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fdatasync(this.fd, (err) => {
        if (err)
          reject(
            new RmqError('STORE_IO_FAILED', `Cannot fdatasync index file ${this.path}`, {
              cause: err,
            }),
          );
        else resolve();
      });
    });
  }

  /** Flushes and drops the in-memory slot table: the file is full and read-only now. */
  seal(): void {
    this.flush();
    guardIo(`index file ${this.path}`, 'fdatasync', () => fdatasyncSync(this.fd));
    this.slots = undefined;
    this.dirtyPages = undefined;
    this.pendingEntries = undefined;
  }

  private writeHeader(): void {
    const h = Buffer.alloc(INDEX_HEADER_SIZE);
    writeLong(h, this.header.beginTimestamp, 0);
    writeLong(h, this.header.endTimestamp, 8);
    writeLong(h, this.header.beginPhyOffset, 16);
    writeLong(h, this.header.endPhyOffset, 24);
    h.writeInt32BE(this.header.hashSlotCount, 32);
    h.writeInt32BE(this.header.indexCount, 36);
    writeAll(this.fd, h, 0, INDEX_HEADER_SIZE, 0);
  }

  private entryPosition(n: number): number {
    return INDEX_HEADER_SIZE + this.hashSlotNum * 4 + n * INDEX_ENTRY_SIZE;
  }

  readEntry(n: number): {
    keyHash: number;
    phyOffset: number;
    timeDiff: number;
    prevIndex: number;
  } {
    let buf: Buffer;
    let at: number;
    if (n >= this.flushedCount && this.pendingEntries) {
      buf = this.pendingEntries;
      at = (n - this.flushedCount) * INDEX_ENTRY_SIZE;
    } else {
      buf = Buffer.allocUnsafe(INDEX_ENTRY_SIZE);
      readSync(this.fd, buf, 0, INDEX_ENTRY_SIZE, this.entryPosition(n));
      at = 0;
    }
    return {
      keyHash: buf.readInt32BE(at),
      phyOffset: readLong(buf, at + 4),
      timeDiff: buf.readInt32BE(at + 12),
      prevIndex: buf.readInt32BE(at + 16),
    };
  }

  private readSlot(slot: number): number {
    if (this.slots) return this.slots.readInt32BE(slot * 4);
    const b = Buffer.allocUnsafe(4);
    readSync(this.fd, b, 0, 4, INDEX_HEADER_SIZE + slot * 4);
    return b.readInt32BE(0);
  }

  /** Physical offsets of entries for `keyHash` stored in [begin, end], newest first. */
  select(keyHash: number, maxNum: number, begin: number, end: number): number[] {
    const out: number[] = [];
    const count = this.header.indexCount;
    let n = this.readSlot(keyHash % this.hashSlotNum);
    for (
      let guardSteps = 0;
      n > 0 && n < count && out.length < maxNum && guardSteps < count;
      guardSteps++
    ) {
      const e = this.readEntry(n);
      const time = this.header.beginTimestamp + e.timeDiff * 1000;
      if (e.keyHash === keyHash && time >= begin - 999 && time <= end) out.push(e.phyOffset);
      if (e.prevIndex <= 0 || e.prevIndex >= n) break;
      n = e.prevIndex;
    }
    return out;
  }

  /** Undoes the newest entries while their physical offset is at or beyond `phyOffset`. */
  truncateFrom(phyOffset: number): number {
    const slots = this.slots;
    if (!slots)
      throw new RmqError('STORE_CORRUPTED', `Cannot truncate sealed index file ${this.path}`);
    let removed = 0;
    while (this.header.indexCount > 1) {
      const n = this.header.indexCount - 1;
      const e = this.readEntry(n);
      if (e.phyOffset < phyOffset) {
        this.header.endPhyOffset = e.phyOffset;
        this.header.endTimestamp = this.header.beginTimestamp + e.timeDiff * 1000;
        break;
      }
      const slot = e.keyHash % this.hashSlotNum;
      slots.writeInt32BE(e.prevIndex, slot * 4);
      if (e.prevIndex === 0) this.header.hashSlotCount--;
      const dirty = this.dirtyPages;
      if (dirty) dirty[(slot * 4) >>> 12] = 1;
      this.header.indexCount = n;
      if (this.flushedCount > n) this.flushedCount = n;
      removed++;
    }
    if (this.header.indexCount === 1) {
      this.header.beginTimestamp = 0;
      this.header.endTimestamp = 0;
      this.header.beginPhyOffset = 0;
      this.header.endPhyOffset = 0;
    }
    return removed;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  destroy(): void {
    this.close();
    guardIo(`index file ${this.path}`, 'delete', () => unlinkSync(this.path));
  }
}

function writeAll(fd: number, buf: Buffer, start: number, length: number, position: number): void {
  let done = 0;
  while (done < length) done += writeSync(fd, buf, start + done, length - done, position + done);
}
