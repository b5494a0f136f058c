import { readLong, writeLong } from './message-ext-codec.ts';
import { decodeSocketAddress } from './socket-address.ts';

/**
 * RocketMQ's offset message id: upper-case hex of store host (IP bytes, int32 port) and the
 * int64 CommitLog offset, 32 hex characters for IPv4 and 56 for IPv6.
 */
export function createOffsetMessageId(storeHost: Uint8Array, commitLogOffset: number): string {
  const out = Buffer.allocUnsafe(storeHost.length + 8);
  out.set(storeHost, 0);
  writeLong(out, commitLogOffset, storeHost.length);
  return out.toString('hex').toUpperCase();
}

/** Splits an offset message id into its store host and CommitLog offset. */
export function decodeOffsetMessageId(id: string): {
  host: string;
  port: number;
  commitLogOffset: number;
} {
  if (!/^[0-9A-Fa-f]{32}$|^[0-9A-Fa-f]{56}$/.test(id)) {
    throw new TypeError(`Cannot decode message id "${id}": expected 32 or 56 hex characters`);
  }
  const bytes = Buffer.from(id, 'hex');
  const hostLength = bytes.length - 8;
  const { host, port } = decodeSocketAddress(bytes.subarray(0, hostLength));
  return { host, port, commitLogOffset: readLong(bytes, hostLength) };
}
