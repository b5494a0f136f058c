import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { encodeTransferHeader, readOffset, REPORT_HEADER_SIZE } from './ha-protocol.ts';

/** What a master's connection to one slave reads of the store and tells its service. */
export interface HAConnectionDeps {
  /** Up to `maxBytes` of CommitLog from `offset`, within one segment, or undefined if none yet. */
  commitLogData(offset: number, maxBytes: number): Buffer | undefined;
  maxPhyOffset(): number;
  segmentSize: number;
  transferBatchSize: number;
  heartbeatIntervalMs: number;
  housekeepingIntervalMs: number;
  /** The slave acknowledged everything below `offset`. */
  onAck(connection: HAConnection, offset: number): void;
  onClose(connection: HAConnection): void;
  logger: Logger;
}

/** Bytes queued on the socket past which the master stops reading more CommitLog for it. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * The master's side of one slave (RocketMQ's HAConnection): reads the slave's offset reports and
 * streams CommitLog frames from where the slave asked, a heartbeat frame when idle.
 */
export class HAConnection {
  readonly clientAddress: string;
  /** Where the slave asked to start (its first report), -1 before it reported. */
  requestOffset = -1;
  /** The slave's last reported max offset. */
  ackOffset = -1;
  /** Where the next frame starts. */
  private next = -1;
  private readonly socket: Socket;
  private readonly deps: HAConnectionDeps;
  private partial = Buffer.alloc(0);
  private lastWrite = Date.now();
  private lastRead = Date.now();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private waitingDrain = false;
  /** Bytes sent in the current second and in the last whole one. */
  private sentThisSecond = 0;
  private secondStart = Date.now();
  transferredByteInSecond = 0;

  constructor(socket: Socket, deps: HAConnectionDeps) {
    this.socket = socket;
    this.deps = deps;
    this.clientAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.waitingDrain = false;
      this.pump();
    });
    socket.on('error', (err) =>
      deps.logger.info({ slave: this.clientAddress, err: err.message }, 'HA connection failed'),
    );
    socket.on('close', () => this.close());
    this.timer = setInterval(() => this.housekeep(), Math.min(1000, deps.heartbeatIntervalMs));
  }

  /** Where the next frame to this slave starts (-1 before the slave reported). */
  get transferredOffset(): number {
    return this.next;
  }

  private onData(chunk: Buffer): void {
    this.lastRead = Date.now();
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    const whole = data.length - (data.length % REPORT_HEADER_SIZE);
    if (whole > 0) {
      // Only the newest report matters: offsets only grow.
      const offset = readOffset(data, whole - REPORT_HEADER_SIZE);
      this.ackOffset = offset;
      if (this.requestOffset < 0) {
        this.requestOffset = offset;
        this.next = offset === 0 ? this.firstTransferOffset() : offset;
        this.deps.logger.info(
          { slave: this.clientAddress, requestOffset: offset, transferFrom: this.next },
          'Slave connected for replication',
        );
      }
      this.deps.onAck(this, offset);
    }
    this.partial = Buffer.from(data.subarray(whole));
    this.pump();
  }

  /** A new slave gets the master's current segment onwards (as RocketMQ's master does). */
  private firstTransferOffset(): number {
    const max = this.deps.maxPhyOffset();
    return Math.max(0, max - (max % this.deps.segmentSize));
  }

  /** Sends frames of what is written beyond `next`, until the socket's queue is full. */
  pump(): void {
    if (this.closed || this.next < 0 || this.waitingDrain) return;
    while (this.socket.writableLength < MAX_QUEUED_BYTES) {
      const data = this.deps.commitLogData(this.next, this.deps.transferBatchSize);
      if (!data) return;
      this.send(this.next, data);
      this.next += data.length;
      if (this.waitingDrain) return;
    }
  }

  private send(offset: number, data: Buffer | undefined): void {
    this.socket.cork();
    this.socket.write(encodeTransferHeader(offset, data?.length ?? 0));
    const more = data ? this.socket.write(data) : true;
    this.socket.uncork();
    if (!more) this.waitingDrain = true;
    this.lastWrite = Date.now();
    this.sentThisSecond += data?.length ?? 0;
  }

  private housekeep(): void {
    const now = Date.now();
    if (now - this.secondStart >= 1000) {
      this.transferredByteInSecond = Math.round(
        (this.sentThisSecond * 1000) / (now - this.secondStart),
      );
      this.sentThisSecond = 0;
      this.secondStart = now;
    }
    if (now - this.lastRead > this.deps.housekeepingIntervalMs) {
      this.deps.logger.warn(
        { slave: this.clientAddress, silentMs: now - this.lastRead },
        'Slave silent past haHousekeepingInterval; closing its HA connection',
      );
      this.socket.destroy();
      return;
    }
    if (
      this.next >= 0 &&
      !this.waitingDrain &&
      now - this.lastWrite > this.deps.heartbeatIntervalMs
    )
      this.send(this.next, undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.socket.destroy();
    this.deps.onClose(this);
  }
}
