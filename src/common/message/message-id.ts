import { readLong } from './message-ext-codec.ts';
import { decodeSocketAddress } from './socket-address.ts';

/**
 * RocketMQ's offset message id: upper-case hex of store host (IP bytes, int32 port) and the
 * int64 CommitLog offset, 32 hex characters for IPv4 and 56 for IPv6.
 */
export function createOffsetMessageId(storeHost: Uint8Array, commitLogOffset: number): string {
  return offsetMessageIdOf(offsetMessageIdPrefix(storeHost), commitLogOffset);
}

/** The store-host part of offset message ids (callers on the append path compute it once). */
export function offsetMessageIdPrefix(storeHost: Uint8Array): string {
  return Buffer.from(storeHost.buffer, storeHost.byteOffset, storeHost.byteLength)
    .toString('hex')
    .toUpperCase();
}

/** An offset message id from its host prefix and the CommitLog offset, without a buffer. */
export function offsetMessageIdOf(prefix: string, commitLogOffset: number): string {
  return prefix + commitLogOffset.toString(16).toUpperCase().padStart(16, '0');
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
