/**
 * RocketMQ's SelectMessageQueueByHash, written out independently of the SDK: Java's
 * String.hashCode over UTF-16 code units (s[0]*31^(n-1) + ... + s[n-1], wrapped to a signed
 * 32-bit int), then `value = hash % size; if (value < 0) value = Math.abs(value)`.
 */
export function rocketmqHashIndex(key: string, size: number): number {
  let h = 0n;
  for (let i = 0; i < key.length; i++) h = (h * 31n + BigInt(key.charCodeAt(i))) % 2n ** 32n;
  const signed = h >= 2n ** 31n ? h - 2n ** 32n : h;
  const value = signed % BigInt(size); // BigInt % truncates toward zero, as Java's does
  return Number(value < 0n ? -value : value);
}
