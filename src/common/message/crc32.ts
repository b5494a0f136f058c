import { crc32 as zlibCrc32 } from 'node:zlib';

/** RocketMQ's body CRC: CRC-32 (IEEE) of the bytes, masked to a non-negative int32. */
export function bodyCrc32(data: Uint8Array): number {
  return zlibCrc32(data) & 0x7fffffff;
}
