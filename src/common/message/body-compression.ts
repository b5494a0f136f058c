import { inflateSync } from 'node:zlib';
import { decompressFrameSync } from 'lz4-napi';
import { decompress as zstdDecompress } from 'fzstd';
import { MessageSysFlag } from '../constants/message-sys-flag.ts';

/** The compression-type bits of a sysflag (RocketMQ 5's CompressionType, bits 8..10). */
const COMPRESSION_TYPE_MASK = 0x700;

/** Whether a stored body is compressed (sysflag bit 0). */
export const isCompressed = (sysFlag: number): boolean =>
  (sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0;

/**
 * A compressed body as the producer wrote it, by the sysflag's compression type: ZLIB (and no type
 * at all, as clients before 5.0 write it), LZ4 frames (lz4-java's LZ4FrameOutputStream) or ZSTD
 * frames. An uncompressed body comes back as it is. Throws on a type it does not know.
 */
export function decompressBody(body: Buffer, sysFlag: number): Buffer {
  if (!isCompressed(sysFlag)) return body;
  const type = sysFlag & COMPRESSION_TYPE_MASK;
  switch (type) {
    case 0:
    case MessageSysFlag.COMPRESSION_ZLIB_TYPE:
      return inflateSync(body);
    case MessageSysFlag.COMPRESSION_LZ4_TYPE:
      return decompressFrameSync(body);
    case MessageSysFlag.COMPRESSION_ZSTD_TYPE: {
      const out = zstdDecompress(body);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
    default:
      throw new Error(`unknown body compression type 0x${type.toString(16)} in sysflag ${sysFlag}`);
  }
}
