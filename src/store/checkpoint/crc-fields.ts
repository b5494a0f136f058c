import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * Checkpoint files hold fixed fields followed by a CRC32 of them, so a torn or foreign file is
 * told from a real one. The fields of the file at `path`, or undefined when it is missing,
 * short or its CRC does not match.
 */
export function readCheckedFields(path: string, fieldsSize: number): Buffer | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return undefined;
  }
  if (buf.length < fieldsSize + 4) return undefined;
  if ((crc32(buf.subarray(0, fieldsSize)) | 0) !== buf.readInt32BE(fieldsSize)) return undefined;
  return buf;
}

/** Writes the CRC32 of the first `fieldsSize` bytes right after them. */
export function sealFields(buf: Buffer, fieldsSize: number): void {
  buf.writeInt32BE(crc32(buf.subarray(0, fieldsSize)) | 0, fieldsSize);
}
