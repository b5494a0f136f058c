/**
 * RocketMQ's classic HA protocol (DefaultHAService), byte for byte. The slave writes its CommitLog
 * max offset as one 8-byte big-endian long, on connecting, after each write and every
 * haSendHeartbeatInterval. The master writes frames of an 8-byte start offset, a 4-byte length and
 * that many CommitLog bytes (never across a segment); a frame of length 0 is a heartbeat.
 */
export const REPORT_HEADER_SIZE = 8;
export const TRANSFER_HEADER_SIZE = 8 + 4;

/** The 8-byte offset report a slave sends. */
export function encodeReport(offset: number): Buffer {
  const b = Buffer.allocUnsafe(REPORT_HEADER_SIZE);
  b.writeBigInt64BE(BigInt(offset), 0);
  return b;
}

/** The 12-byte header of a master's frame. */
export function encodeTransferHeader(offset: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(TRANSFER_HEADER_SIZE);
  b.writeBigInt64BE(BigInt(offset), 0);
  b.writeInt32BE(size, 8);
  return b;
}

export function readOffset(buf: Buffer, at: number): number {
  return Number(buf.readBigInt64BE(at));
}
