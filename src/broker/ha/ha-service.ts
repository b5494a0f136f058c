import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { PutMessageStatus, type ReplicaAck, type ReplicationStore } from '../../store/api.ts';
import type { HAConnectionRuntimeInfo } from '../../common/protocol-data/ha-runtime-info.ts';
import { HAConnection } from './ha-connection.ts';

export interface HAServiceOptions {
  store: ReplicationStore;
  port: number;
  host: string;
  transferBatchSize: number;
  heartbeatIntervalMs: number;
  housekeepingIntervalMs: number;
  /** A slave further behind than this many bytes does not count as in sync (SLAVE_NOT_AVAILABLE). */
  maxGapNotInSync: number;
  logger: Logger;
}

interface ReplicaWaiter {
  endOffset: number;
  deadline: number;
  done: (status: PutMessageStatus) => void;
}

/**
 * A master's HA channel (RocketMQ's DefaultHAService): accepts slaves on haListenPort, streams
 * each its CommitLog from where it asks, and, on a SYNC_MASTER, holds acknowledgements until a
 * slave has the bytes. One slave report releases every append it covers: group commit across
 * the replica, as the flush does across the disk.
 */
export class HAService implements ReplicaAck {
  private readonly o: HAServiceOptions;
  private readonly server: Server;
  private readonly connections = new Set<HAConnection>();
  /** The most any slave acknowledged (RocketMQ's push2SlaveMaxOffset). */
  private pushedOffset = 0;
  private readonly waiters: ReplicaWaiter[] = [];
  private timeoutTimer: NodeJS.Timeout | undefined;
  private boundPort = 0;

  constructor(options: HAServiceOptions) {
    this.o = options;
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : this.o.port;
    this.o.store.onCommitLogWritten = () => {
      for (const c of this.connections) c.pump();
    };
    this.o.logger.info({ port: this.boundPort }, 'HA service listening');
  }

  get port(): number {
    return this.boundPort;
  }

  /** Slaves connected now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  get slaveAckOffset(): number {
    return this.pushedOffset;
  }

  /** The slaves as GET_BROKER_HA_STATUS reports them. */
  slaves(): HAConnectionRuntimeInfo[] {
    const max = this.o.store.getMaxPhyOffset();
    return [...this.connections].map((c) => {
      const ack = Math.max(0, c.ackOffset);
      return {
        addr: c.clientAddress,
        slaveAckOffset: ack,
        diff: max - ack,
        inSync: max - ack < this.o.maxGapNotInSync,
        transferredByteInSecond: c.transferredByteInSecond,
        transferFromWhere: c.transferredOffset,
      };
    });
  }

  /** A slave is connected and within haMaxGapNotInSync of `masterPutWhere` (RocketMQ's isSlaveOK). */
  isSlaveOK(masterPutWhere: number): boolean {
    return this.connections.size > 0 && masterPutWhere - this.pushedOffset < this.o.maxGapNotInSync;
  }

  await(endOffset: number, deadline: number, done: (status: PutMessageStatus) => void): void {
    if (!this.isSlaveOK(endOffset)) return done(PutMessageStatus.SLAVE_NOT_AVAILABLE);
    if (this.pushedOffset >= endOffset) return done(PutMessageStatus.PUT_OK);
    this.waiters.push({ endOffset, deadline, done });
    if (!this.timeoutTimer) this.armTimeout();
  }

  private accept(socket: Socket): void {
    const connection = new HAConnection(socket, {
      commitLogData: (offset, max) => this.o.store.getCommitLogData(offset, max),
      maxPhyOffset: () => this.o.store.getMaxPhyOffset(),
      segmentSize: this.o.store.config.mappedFileSizeCommitLog,
      transferBatchSize: this.o.transferBatchSize,
      heartbeatIntervalMs: this.o.heartbeatIntervalMs,
      housekeepingIntervalMs: this.o.housekeepingIntervalMs,
      onAck: (_c, offset) => this.onAck(offset),
      onClose: (c) => {
        this.connections.delete(c);
        this.o.logger.info({ slave: c.clientAddress }, 'Slave HA connection closed');
      },
      logger: this.o.logger,
    });
    this.connections.add(connection);
  }

  private onAck(offset: number): void {
    if (offset <= this.pushedOffset) return;
    this.pushedOffset = offset;
    let n = 0;
    while (n < this.waiters.length && (this.waiters[n] as ReplicaWaiter).endOffset <= offset) n++;
    if (n === 0) return;
    for (const w of this.waiters.splice(0, n)) w.done(PutMessageStatus.PUT_OK);
    if (this.waiters.length === 0) this.disarmTimeout();
  }

  private armTimeout(): void {
    const first = this.waiters[0];
    if (!first) return;
    this.timeoutTimer = setTimeout(
      () => {
        this.timeoutTimer = undefined;
        const now = Date.now();
        let n = 0;
        while (n < this.waiters.length && (this.waiters[n] as ReplicaWaiter).deadline <= now) n++;
        for (const w of this.waiters.splice(0, n)) w.done(PutMessageStatus.FLUSH_SLAVE_TIMEOUT);
        this.armTimeout();
      },
      Math.max(1, first.deadline - Date.now()),
    );
  }

  private disarmTimeout(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.timeoutTimer = undefined;
  }

  async shutdown(): Promise<void> {
    this.o.store.onCommitLogWritten = undefined;
    this.disarmTimeout();
    for (const w of this.waiters.splice(0)) w.done(PutMessageStatus.FLUSH_SLAVE_TIMEOUT);
    for (const c of [...this.connections]) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
