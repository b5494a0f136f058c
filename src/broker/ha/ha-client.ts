import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ReplicationStore } from '../../store/api.ts';
import type { HAClientRuntimeInfo } from '../../common/protocol-data/ha-runtime-info.ts';
import { encodeReport, readOffset, TRANSFER_HEADER_SIZE } from './ha-protocol.ts';

export interface HAClientOptions {
  store: ReplicationStore;
  heartbeatIntervalMs: number;
  housekeepingIntervalMs: number;
  logger: Logger;
}

/** How long a slave waits before connecting again after a failed or lost connection. */
const RECONNECT_DELAY_MS = 1000;

/**
 * A slave's HA channel (RocketMQ's HAClient): connects to the master's haListenPort, reports its
 * CommitLog max offset, and appends the frames it gets verbatim, so its log is byte-identical to
 * the master's. Frame bodies are appended as they arrive, not gathered first: the store dispatches
 * records only once whole. It reports again after each read and every haSendHeartbeatInterval,
 * and reconnects, from its own max offset, whenever the connection is lost.
 */
export class HAClient {
  private readonly o: HAClientOptions;
  private masterAddress = '';
  private socket: Socket | undefined;
  private connected = false;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reported = 0;
  private lastWrite = 0;
  private lastRead = 0;
  /** Bytes of a frame header received so far. */
  private header = Buffer.alloc(TRANSFER_HEADER_SIZE);
  private headerLength = 0;
  /** Where the body being received lands, and how much of it is still to come. */
  private bodyOffset = 0;
  private bodyLeft = 0;
  private receivedThisSecond = 0;
  private secondStart = Date.now();
  private transferredByteInSecond = 0;

  constructor(options: HAClientOptions) {
    this.o = options;
  }

  /** The master's HA address, `host:port`; a change drops the current connection. */
  setMasterAddress(address: string): void {
    if (address === this.masterAddress) return;
    this.o.logger.info({ from: this.masterAddress, to: address }, 'HA master address set');
    this.masterAddress = address;
    this.socket?.destroy();
    if (!this.stopped && !this.socket) this.connectSoon(0);
  }

  start(): void {
    this.stopped = false;
    this.heartbeat = setInterval(
      () => this.housekeep(),
      Math.min(1000, this.o.heartbeatIntervalMs),
    );
    this.connectSoon(0);
  }

  /** The slave's side as GET_BROKER_HA_STATUS reports it. */
  runtimeInfo(): HAClientRuntimeInfo {
    return {
      masterAddr: this.masterAddress,
      transferredByteInSecond: this.transferredByteInSecond,
      maxOffset: this.o.store.getMaxPhyOffset(),
      lastReadTimestamp: this.lastRead,
      lastWriteTimestamp: this.lastWrite,
      masterFlushOffset: 0,
      isActivated: this.connected,
    };
  }

  get isConnected(): boolean {
    return this.connected;
  }

  private connectSoon(delayMs: number): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  private connect(): void {
    if (this.stopped || this.socket || !this.masterAddress) return;
    const at = this.masterAddress.lastIndexOf(':');
    const socket = connect({
      host: this.masterAddress.slice(0, at),
      port: Number(this.masterAddress.slice(at + 1)),
    });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.headerLength = 0;
      this.bodyLeft = 0;
      this.lastRead = Date.now();
      this.o.logger.info({ master: this.masterAddress }, 'Connected to the master for replication');
      this.report(this.o.store.getMaxPhyOffset());
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) =>
      this.o.logger.info({ master: this.masterAddress, err: err.message }, 'HA connection failed'),
    );
    socket.on('close', () => {
      this.socket = undefined;
      this.connected = false;
      this.connectSoon(RECONNECT_DELAY_MS);
    });
  }

  private report(offset: number): void {
    if (!this.socket || !this.connected) return;
    this.socket.write(encodeReport(offset));
    this.reported = offset;
    this.lastWrite = Date.now();
  }

  private onData(chunk: Buffer): void {
    this.lastRead = Date.now();
    this.receivedThisSecond += chunk.length;
    try {
      this.consume(chunk);
    } catch (err) {
      this.o.logger.error(
        { master: this.masterAddress, err: (err as Error).message },
        "Cannot append what the master sent; reconnecting from this store's max offset",
      );
      this.socket?.destroy();
      return;
    }
    const max = this.o.store.getMaxPhyOffset();
    if (max > this.reported) this.report(max);
  }

  private consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - at);
        if (!this.o.store.appendToCommitLog(this.bodyOffset, chunk, at, n))
          throw new Error(
            `the master sent offset ${this.bodyOffset}, this store ends at ${this.o.store.getMaxPhyOffset()}`,
          );
        this.bodyOffset += n;
        this.bodyLeft -= n;
        at += n;
        continue;
      }
      const n = Math.min(TRANSFER_HEADER_SIZE - this.headerLength, chunk.length - at);
      chunk.copy(this.header, this.headerLength, at, at + n);
      this.headerLength += n;
      at += n;
      if (this.headerLength < TRANSFER_HEADER_SIZE) return;
      this.headerLength = 0;
      const offset = readOffset(this.header, 0);
      const size = this.header.readInt32BE(8);
      const max = this.o.store.getMaxPhyOffset();
      // RocketMQ's rule: a store that holds data takes only frames that continue it.
      if (max !== 0 && max !== offset)
        throw new Error(`the master pushed offset ${offset}, this store ends at ${max}`);
      if (size < 0) throw new Error(`the master sent a frame of size ${size}`);
      this.bodyOffset = offset;
      this.bodyLeft = size;
    }
  }

  private housekeep(): void {
    const now = Date.now();
    if (now - this.secondStart >= 1000) {
      this.transferredByteInSecond = Math.round(
        (this.receivedThisSecond * 1000) / (now - this.secondStart),
      );
      this.receivedThisSecond = 0;
      this.secondStart = now;
    }
    if (!this.connected) return;
    if (now - this.lastRead > this.o.housekeepingIntervalMs) {
      this.o.logger.warn(
        { master: this.masterAddress, silentMs: now - this.lastRead },
        'Master silent past haHousekeepingInterval; reconnecting',
      );
      this.socket?.destroy();
      return;
    }
    if (now - this.lastWrite > this.o.heartbeatIntervalMs) this.report(this.reported);
  }

  shutdown(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.socket?.destroy();
  }
}
