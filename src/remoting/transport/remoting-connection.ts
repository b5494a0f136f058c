import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { RmqError } from '../../common/errors/rmq-error.ts';
import { encodeFrame, FrameDecoder, FrameError } from '../protocol/frame-codec.ts';
import { HeaderFieldError } from '../protocol/headers/ext-fields.ts';
import {
  isOneway,
  isResponse,
  RPC_ONEWAY,
  type RemotingCommand,
} from '../protocol/remoting-command.ts';

/** Handles a request that arrived on a connection; undefined means "no response". */
export type RequestHandler = (
  request: RemotingCommand,
  connection: RemotingConnection,
) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

interface Pending {
  resolve: (cmd: RemotingCommand) => void;
  reject: (err: Error) => void;
  deadline: number;
  code: number;
  timeoutMs: number;
}

/** How often expired requests are failed (RocketMQ scans its response table every second). */
const SWEEP_INTERVAL_MS = 50;
/** Unsent bytes on a connection above which it stops reading new requests. */
const MAX_WRITE_BACKLOG_BYTES = 8 * 1024 * 1024;

export interface ConnectionOptions {
  maxFrameBytes: number;
  /** Requests being handled at once before the socket stops reading (back-pressure). */
  maxPendingRequests: number;
  logger: Logger;
  onRequest: RequestHandler;
}

/**
 * One Remoting connection, either side: decodes frames, answers requests through `onRequest`,
 * matches responses to its own requests by opaque, and writes with back-pressure (reading pauses
 * while too many requests are in hand or the socket's write buffer is full).
 */
export class RemotingConnection {
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly remoteHost: string;
  readonly remotePort: number;
  private readonly options: ConnectionOptions;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly closeListeners: (() => void)[] = [];
  private inHand = 0;
  private readonly backlog: RemotingCommand[] = [];
  private writeBlocked = false;
  private nextOpaque = 1;
  private isClosed = false;
  private sweeper: NodeJS.Timeout | undefined;
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.options = options;
    this.decoder = new FrameDecoder(options.maxFrameBytes);
    const host = socket.remoteAddress ?? 'unknown';
    this.remoteHost = host.startsWith('::ffff:') ? host.slice(7) : host;
    this.remotePort = socket.remotePort ?? 0;
    this.remoteAddress = `${this.remoteHost}:${this.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.updateFlow();
    });
    socket.on('error', (err) =>
      this.options.logger.debug({ err, remote: this.remoteAddress }, 'Connection error'),
    );
    socket.on('close', () => this.onClose());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Calls `listener` once the connection closes; returns a function that unregisters it. */
  onClosed(listener: () => void): () => void {
    if (this.isClosed) {
      listener();
      return () => undefined;
    }
    this.closeListeners.push(listener);
    return () => {
      const i = this.closeListeners.indexOf(listener);
      if (i >= 0) this.closeListeners.splice(i, 1);
    };
  }

  /** Writes a command (frame prefix + header, then the body as its own buffer). */
  send(cmd: RemotingCommand): void {
    if (this.isClosed) return;
    const [head, body] = encodeFrame(cmd);
    // Frames sent in the same tick leave in one writev: cork now, uncork once after this tick.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(head);
    if (body) this.socket.write(body);
    // Stop reading only when a real backlog builds up (a slow reader), not at every burst that
    // passes the socket's 16 KiB high-water mark.
    if (this.socket.writableLength > MAX_WRITE_BACKLOG_BYTES) {
      this.writeBlocked = true;
      this.updateFlow();
    }
  }

  /** Sends a request and resolves with its response; rejects on timeout or close. */
  request(cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const opaque = this.takeOpaque();
    return new Promise((resolve, reject) => {
      if (this.isClosed) {
        reject(
          new RmqError(
            'REMOTING_CONNECTION_CLOSED',
            `Cannot send request ${cmd.code} to ${this.remoteAddress}: the connection is closed`,
          ),
        );
        return;
      }
      // One sweep timer per connection instead of a timer per request: cheaper on the hot path.
      this.pending.set(opaque, {
        resolve,
        reject,
        deadline: Date.now() + timeoutMs,
        code: cmd.code,
        timeoutMs,
      });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
      // The command is encoded right here, so setting its opaque and flag in place is safe even
      // when a caller sends the same command object again (it saves a copy per request).
      cmd.opaque = opaque;
      cmd.flag &= ~RPC_ONEWAY;
      this.send(cmd);
    });
  }

  /** Sends a request that expects no response. */
  oneway(cmd: RemotingCommand): void {
    cmd.opaque = this.takeOpaque();
    cmd.flag |= RPC_ONEWAY;
    this.send(cmd);
  }

  close(): void {
    this.socket.destroy();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [opaque, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(opaque);
      p.reject(
        new RmqError(
          'REMOTING_TIMEOUT',
          `Request ${p.code} to ${this.remoteAddress} timed out after ${p.timeoutMs} ms`,
        ),
      );
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private takeOpaque(): number {
    const o = this.nextOpaque;
    this.nextOpaque = o >= 0x7ffffff0 ? 1 : o + 1;
    return o;
  }

  private onData(chunk: Buffer): void {
    let commands: RemotingCommand[];
    try {
      commands = this.decoder.push(chunk);
    } catch (err) {
      this.options.logger.warn(
        {
          remote: this.remoteAddress,
          reason: err instanceof FrameError ? err.message : String(err),
        },
        'Closing connection after a malformed frame',
      );
      this.socket.destroy();
      return;
    }
    for (const cmd of commands) {
      if (isResponse(cmd)) this.onResponse(cmd);
      else this.onRequest(cmd);
    }
  }

  private onResponse(cmd: RemotingCommand): void {
    const p = this.pending.get(cmd.opaque);
    if (!p) return; // late or unknown: dropped, as RocketMQ does
    this.pending.delete(cmd.opaque);
    p.resolve(cmd);
  }

  private onRequest(cmd: RemotingCommand): void {
    if (this.inHand >= this.options.maxPendingRequests) {
      // One chunk can carry many frames: those beyond the bound wait here, reading is paused.
      this.backlog.push(cmd);
      this.updateFlow();
      return;
    }
    this.inHand++;
    this.updateFlow();
    const finish = (response: RemotingCommand | undefined): void => {
      this.inHand--;
      if (response && !isOneway(cmd)) this.send(response);
      const next = this.backlog.shift();
      if (next) this.onRequest(next);
      else this.updateFlow();
    };
    try {
      const result = this.options.onRequest(cmd, this);
      if (result instanceof Promise) {
        result.then(finish, (err: unknown) => finish(this.failure(cmd, err)));
      } else finish(result);
    } catch (err) {
      finish(this.failure(cmd, err));
    }
  }

  private failure(cmd: RemotingCommand, err: unknown): RemotingCommand {
    // A malformed request is the client's fault: one warn line, no stack, so a misbehaving client
    // cannot flood the log; anything else is ours and is logged with its stack.
    if (err instanceof HeaderFieldError) {
      this.options.logger.warn(
        { code: cmd.code, remote: this.remoteAddress, reason: err.message },
        'Request refused: bad header field',
      );
    } else {
      this.options.logger.error(
        { err, code: cmd.code, remote: this.remoteAddress },
        'Request handler failed',
      );
    }
    return {
      code: 1, // SYSTEM_ERROR
      language: 'JAVA',
      version: cmd.version,
      opaque: cmd.opaque,
      flag: 1,
      remark: `Request ${cmd.code} failed: ${err instanceof Error ? err.message : String(err)}`,
      serializeType: cmd.serializeType,
    };
  }

  private updateFlow(): void {
    const saturated = this.writeBlocked || this.inHand >= this.options.maxPendingRequests;
    if (saturated && !this.socket.isPaused()) this.socket.pause();
    else if (
      !saturated &&
      this.socket.isPaused() &&
      this.inHand < this.options.maxPendingRequests / 2 + 1
    )
      this.socket.resume();
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const [opaque, p] of this.pending) {
      p.reject(
        new RmqError(
          'REMOTING_CONNECTION_CLOSED',
          `Connection to ${this.remoteAddress} closed before the response to request ${opaque}`,
        ),
      );
    }
    this.pending.clear();
    for (const l of this.closeListeners.splice(0)) l();
  }
}
