import { randomBytes } from 'node:crypto';

/**
 * Message ids (UNIQ_KEY) in the shape of RocketMQ's MessageClientIDSetter: 16 bytes as 32
 * upper-case hex characters: IPv4 (4), pid (2), a random instance part (4), seconds since the
 * generator started (4) and a counter (2).
 */
export class UniqueIdGenerator {
  private prefix: string;
  private readonly start = Date.now();
  private counter = 0;

  constructor(ipv4: string, pid: number) {
    const head = Buffer.alloc(10);
    const parts = ipv4.split('.').map(Number);
    for (let i = 0; i < 4; i++) head[i] = parts[i] ?? 0;
    head.writeUInt16BE(pid & 0xffff, 4);
    randomBytes(4).copy(head, 6);
    this.prefix = head.toString('hex').toUpperCase();
  }

  next(): string {
    const tail = Buffer.alloc(6);
    tail.writeUInt32BE(Math.floor((Date.now() - this.start) / 1000) >>> 0, 0);
    tail.writeUInt16BE(this.counter, 4);
    this.counter = (this.counter + 1) & 0xffff;
    if (this.counter === 0) this.prefixBump();
    return this.prefix + tail.toString('hex').toUpperCase();
  }

  /** The counter wrapped within one second: move the random part so ids stay unique. */
  private prefixBump(): void {
    const b = Buffer.from(this.prefix, 'hex');
    b.writeUInt32BE((b.readUInt32BE(6) + 1) >>> 0, 6);
    this.prefix = b.toString('hex').toUpperCase();
  }
}
