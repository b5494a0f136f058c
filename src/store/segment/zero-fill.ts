import {
  close,
  closeSync,
  fdatasync,
  fdatasyncSync,
  open,
  openSync,
  write,
  writeSync,
} from 'node:fs';

/*
 * Writes zeros through a file so its blocks are allocated, written and cached before use: later
 * 1 KiB appends then neither read a page from disk nor journal an allocation at fdatasync.
 * Measured here: buffered zero-fill beats both a sparse file and an O_DIRECT fill (which leaves
 * the pages uncached, so each first write to a page reads it back from disk).
 */
const CHUNK = 1 << 20;
const SYNC_EVERY = 32 * CHUNK;

/** Zero-fills an existing file of `size` bytes, blocking. */
export function zeroFillSync(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    const zeros = Buffer.alloc(Math.min(CHUNK, size));
    for (let pos = 0; pos < size; pos += zeros.length)
      writeSync(fd, zeros, 0, Math.min(zeros.length, size - pos), pos);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Zero-fills an existing file on the libuv pool at no more than `bytesPerSecond`, so the fill
 * does not starve the appends that share the disk. `stopped()` ends it early (the file is then
 * incomplete and must not be used).
 */
export async function zeroFill(
  path: string,
  size: number,
  bytesPerSecond: number,
  stopped: () => boolean,
): Promise<boolean> {
  const fd = await new Promise<number>((res, rej) =>
    open(path, 'r+', (e, f) => (e ? rej(e) : res(f))),
  );
  const started = performance.now();
  try {
    const zeros = Buffer.alloc(Math.min(CHUNK, size));
    for (let pos = 0; pos < size; pos += zeros.length) {
      if (stopped()) return false;
      const n = Math.min(zeros.length, size - pos);
      await new Promise<void>((res, rej) =>
        write(fd, zeros, 0, n, pos, (e) => (e ? rej(e) : res())),
      );
      if ((pos + n) % SYNC_EVERY === 0 || pos + n === size) {
        await new Promise<void>((res, rej) => fdatasync(fd, (e) => (e ? rej(e) : res())));
      }
      const ahead = ((pos + n) / bytesPerSecond) * 1000 - (performance.now() - started);
      if (ahead > 1) await new Promise((res) => setTimeout(res, ahead));
    }
    return true;
  } finally {
    await new Promise<void>((res) => close(fd, () => res()));
  }
}
