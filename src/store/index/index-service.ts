import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { javaStringHash } from '../../common/message/java-hash.ts';
import { IndexFile, indexKeyHash } from './index-file.ts';

/** RocketMQ names IndexFiles by creation time, yyyyMMddHHmmssSSS. */
function timeName(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}` +
    `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}${p(d.getMilliseconds(), 3)}`
  );
}

/** RocketMQ's index key: `topic#key`. */
export function buildIndexKey(topic: string, key: string): string {
  return `${topic}#${key}`;
}

/** The IndexFiles of the store: KEYS and UNIQ_KEY of every message, queried by topic and key. */
export class IndexService {
  private readonly dir: string;
  private readonly hashSlotNum: number;
  private readonly indexNum: number;
  private readonly files: IndexFile[] = [];

  constructor(dir: string, hashSlotNum: number, indexNum: number) {
    this.dir = dir;
    this.hashSlotNum = hashSlotNum;
    this.indexNum = indexNum;
  }

  load(crashed: boolean): void {
    mkdirSync(this.dir, { recursive: true });
    const names = readdirSync(this.dir)
      .filter((n) => /^\d{17}$/.test(n))
      .sort();
    for (const name of names)
      this.files.push(IndexFile.open(join(this.dir, name), this.hashSlotNum, this.indexNum));
    const last = this.files[this.files.length - 1];
    if (last && !last.isFull) last.openForWrite(crashed);
  }

  /** End of the indexed CommitLog range (the newest entry's offset), 0 when empty. */
  get maxPhyOffset(): number {
    for (let i = this.files.length - 1; i >= 0; i--) {
      const f = this.files[i];
      if (f && f.header.indexCount > 1) return f.header.endPhyOffset;
    }
    return 0;
  }

  /** Indexes the message's keys (space separated) and its UNIQ_KEY. */
  put(
    topic: string,
    keys: string | undefined,
    uniqKey: string | undefined,
    phyOffset: number,
    storeTimestamp: number,
  ): void {
    if (uniqKey) this.putKey(buildIndexKey(topic, uniqKey), phyOffset, storeTimestamp);
    if (!keys) return;
    let start = 0;
    while (start <= keys.length) {
      let end = keys.indexOf(' ', start);
      if (end < 0) end = keys.length;
      if (end > start)
        this.putKey(buildIndexKey(topic, keys.slice(start, end)), phyOffset, storeTimestamp);
      start = end + 1;
    }
  }

  private putKey(key: string, phyOffset: number, storeTimestamp: number): void {
    const hash = indexKeyHash(javaStringHash(key));
    let file = this.writableFile(storeTimestamp);
    if (!file.putKey(hash, phyOffset, storeTimestamp)) {
      file.seal();
      file = this.createFile(storeTimestamp);
      file.putKey(hash, phyOffset, storeTimestamp);
    }
  }

  private writableFile(now: number): IndexFile {
    const last = this.files[this.files.length - 1];
    if (last?.writable && !last.isFull) return last;
    if (last?.writable) last.seal();
    return this.createFile(now);
  }

  private createFile(now: number): IndexFile {
    let t = Math.max(now, Date.now());
    while (existsSync(join(this.dir, timeName(t)))) t++;
    const file = IndexFile.create(join(this.dir, timeName(t)), this.hashSlotNum, this.indexNum);
    this.files.push(file);
    return file;
  }

  /** Physical offsets whose topic#key hash matches, newest first (the caller checks the key). */
  query(
    topic: string,
    key: string,
    maxNum: number,
    begin: number,
    end: number,
  ): {
    phyOffsets: number[];
    lastUpdateTimestamp: number;
    lastUpdatePhyOffset: number;
  } {
    const hash = indexKeyHash(javaStringHash(buildIndexKey(topic, key)));
    const phyOffsets: number[] = [];
    let lastUpdateTimestamp = 0;
    let lastUpdatePhyOffset = 0;
    for (let i = this.files.length - 1; i >= 0 && phyOffsets.length < maxNum; i--) {
      const f = this.files[i];
      if (!f || f.header.indexCount <= 1) continue;
      if (i === this.files.length - 1) {
        lastUpdateTimestamp = f.header.endTimestamp;
        lastUpdatePhyOffset = f.header.endPhyOffset;
      }
      if (f.header.endTimestamp < begin - 999 || f.header.beginTimestamp > end) continue;
      phyOffsets.push(...f.select(hash, maxNum - phyOffsets.length, begin, end));
    }
    return { phyOffsets, lastUpdateTimestamp, lastUpdatePhyOffset };
  }

  /** Writes gathered entries and slot pages; resolves once they are on disk. */
  async flush(): Promise<void> {
    const last = this.files[this.files.length - 1];
    if (!last?.writable) return;
    last.flush();
    await last.datasync();
  }

  /** Removes entries at or beyond `phyOffset` (recovery), dropping files that become empty. */
  truncateFrom(phyOffset: number): void {
    for (let i = this.files.length - 1; i >= 0; i--) {
      const f = this.files[i];
      if (!f || f.header.indexCount <= 1) continue;
      if (f.header.beginPhyOffset >= phyOffset) {
        f.destroy();
        this.files.splice(i, 1);
        continue;
      }
      if (f.header.endPhyOffset < phyOffset) break;
      if (!f.writable) f.openForWrite(true);
      f.truncateFrom(phyOffset);
      f.flush();
      break;
    }
    this.files.forEach((f, i) => {
      const isLast = i === this.files.length - 1;
      if (!isLast && f.writable) f.seal();
      if (isLast && !f.writable && !f.isFull) f.openForWrite(true);
    });
  }

  /** Deletes sealed files whose entries all point below `minPhyOffset`. */
  deleteBelow(minPhyOffset: number): number {
    let deleted = 0;
    while (this.files.length > 1) {
      const f = this.files[0];
      if (!f || f.writable || f.header.endPhyOffset >= minPhyOffset) break;
      f.destroy();
      this.files.shift();
      deleted++;
    }
    return deleted;
  }

  get fileCount(): number {
    return this.files.length;
  }

  close(): void {
    const last = this.files[this.files.length - 1];
    if (last?.writable) last.seal();
    for (const f of this.files) f.close();
  }
}
