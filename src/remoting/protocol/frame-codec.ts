import {
  decodeHeader,
  encodeRocketMQHeader,
  HeaderDecodeError,
  jsonHeaderText,
} from './header-codec.ts';
import type { RemotingCommand } from './remoting-command.ts';

/** Java's default frame limit (com.rocketmq.remoting.frameMaxLength). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** A frame that cannot be decoded (bad lengths, unknown serialize type, bad header, too large). */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Encodes a command as [prefix (length, header info) + header, body]: two buffers for one writev,
 * the body never copied.
 */
export function encodeFrame(cmd: RemotingCommand): [Buffer, Buffer | undefined] {
  const bodyLength = cmd.body?.length ?? 0;
  let head: Buffer;
  let headerLength: number;
  if (cmd.serializeType === 1) {
    const header = encodeRocketMQHeader(cmd);
    headerLength = header.length;
    head = Buffer.allocUnsafe(8 + headerLength);
    header.copy(head, 8);
  } else {
    // The JSON text goes straight into the frame's head: no intermediate header buffer.
    const text = jsonHeaderText(cmd);
    headerLength = Buffer.byteLength(text, 'utf8');
    head = Buffer.allocUnsafe(8 + headerLength);
    head.write(text, 8, 'utf8');
  }
  head.writeInt32BE(4 + headerLength + bodyLength, 0);
  head.writeInt32BE(((cmd.serializeType & 0xff) << 24) | headerLength, 4);
  return [head, bodyLength > 0 ? cmd.body : undefined];
}

/** One buffer holding the whole frame (tests and golden files). */
export function encodeFrameToBuffer(cmd: RemotingCommand): Buffer {
  const [head, body] = encodeFrame(cmd);
  return body ? Buffer.concat([head, body]) : head;
}

/**
 * Streaming decoder: feed it chunks as they arrive, in any split, and it returns the commands
 * completed by each. A body inside one chunk is a view of it, not a copy. Throws FrameError on a
 * malformed or oversized frame: the connection must then be closed.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Buffer): RemotingCommand[] {
    const out: RemotingCommand[] = [];
    if (this.buffered === 0) {
      // Fast path: decode straight from this chunk and keep only its unfinished tail.
      let p = 0;
      while (chunk.length - p >= 4) {
        const length = this.checkLength(chunk.readInt32BE(p));
        if (chunk.length - p - 4 < length) break;
        out.push(this.decodeFrame(chunk.subarray(p + 4, p + 4 + length)));
        p += 4 + length;
      }
      if (p < chunk.length) {
        this.chunks.push(chunk.subarray(p));
        this.buffered = chunk.length - p;
      }
      return out;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 4) return out;
      const length = this.checkLength(this.peekInt32());
      if (this.buffered - 4 < length) return out;
      const frame = this.take(4 + length);
      out.push(this.decodeFrame(frame.subarray(4)));
      if (this.buffered > 0 && this.chunks.length === 1) {
        const rest = this.chunks[0] as Buffer;
        this.chunks = [];
        this.buffered = 0;
        out.push(...this.push(rest));
        return out;
      }
    }
  }

  private checkLength(length: number): number {
    if (length < 4)
      throw new FrameError(`Frame length ${length} is smaller than its header-info field`);
    if (length + 4 > this.maxFrameBytes) {
      throw new FrameError(
        `Frame of ${length + 4} bytes is above the ${this.maxFrameBytes}-byte limit`,
      );
    }
    return length;
  }

  private peekInt32(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.take(4, true).readInt32BE(0);
  }

  /** Removes (or with `peek`, copies) the first `n` buffered bytes as one buffer. */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n && !peek) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let i = 0;
    while (copied < n) {
      const c = this.chunks[i++] as Buffer;
      copied += c.copy(out, copied, 0, Math.min(c.length, n - copied));
    }
    if (peek) return out;
    let left = n;
    while (left > 0) {
      const c = this.chunks[0] as Buffer;
      if (c.length <= left) {
        left -= c.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return out;
  }

  /** `frame` is everything after the length field. */
  private decodeFrame(frame: Buffer): RemotingCommand {
    const info = frame.readInt32BE(0);
    const type = (info >>> 24) & 0xff;
    const headerLength = info & 0xffffff;
    if (type !== 0 && type !== 1) throw new FrameError(`Unknown header serialize type ${type}`);
    if (headerLength > frame.length - 4) {
      throw new FrameError(
        `Header length ${headerLength} is beyond the frame's ${frame.length - 4} bytes`,
      );
    }
    const body = frame.length > 4 + headerLength ? frame.subarray(4 + headerLength) : undefined;
    try {
      return decodeHeader(frame.subarray(4, 4 + headerLength), type, body);
    } catch (err) {
      if (err instanceof HeaderDecodeError) throw new FrameError(err.message);
      throw err;
    }
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }
}
