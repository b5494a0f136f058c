import { connect } from 'node:net';
import type { Logger } from 'pino';
import { RmqError } from '../../common/errors/rmq-error.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame-codec.ts';
import { createResponse, type RemotingCommand } from '../protocol/remoting-command.ts';
import { ResponseCode } from '../protocol/response-code.ts';
import { RemotingConnection, type RequestHandler } from './remoting-connection.ts';

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  maxFrameBytes?: number;
  logger: Logger;
  /** Requests a server sends us (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE, ...). */
  onRequest?: RequestHandler;
  /** A connection to `addr` opened. */
  onConnected?: (addr: string) => void;
  /** A connection to `addr` closed (the next call reconnects). */
  onDisconnected?: (addr: string) => void;
}

/**
 * Remoting client: one connection per address, opened on first use and again after it closes;
 * request/response by opaque with per-call timeouts; one-way sends.
 */
export class RemotingClient {
  private readonly options: RemotingClientOptions;
  private readonly connections = new Map<string, Promise<RemotingConnection>>();
  /** Open connections by address: a request on one goes out without waiting on a promise. */
  private readonly ready = new Map<string, RemotingConnection>();
  private closed = false;

  constructor(options: RemotingClientOptions) {
    this.options = options;
  }

  invoke(addr: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const ready = this.ready.get(addr);
    if (ready && !this.closed) return ready.request(request, timeoutMs);
    return this.connection(addr).then((c) => c.request(request, timeoutMs));
  }

  async invokeOneway(addr: string, request: RemotingCommand): Promise<void> {
    (await this.connection(addr)).oneway(request);
  }

  private connection(addr: string): Promise<RemotingConnection> {
    if (this.closed)
      return Promise.reject(
        new RmqError('REMOTING_CONNECTION_CLOSED', 'The Remoting client is shut down'),
      );
    const existing = this.connections.get(addr);
    if (existing) return existing;
    const opening = this.open(addr);
    this.connections.set(addr, opening);
    opening.then(
      (c) => {
        if (!c.closed) this.ready.set(addr, c);
        this.options.onConnected?.(addr);
        c.onClosed(() => {
          if (this.ready.get(addr) === c) this.ready.delete(addr);
          if (this.connections.get(addr) === opening) this.connections.delete(addr);
          this.options.onDisconnected?.(addr);
        });
      },
      () => this.connections.get(addr) === opening && this.connections.delete(addr),
    );
    return opening;
  }

  private open(addr: string): Promise<RemotingConnection> {
    const sep = addr.lastIndexOf(':');
    const host = addr.slice(0, sep).replace(/^\[|\]$/g, '');
    const port = Number(addr.slice(sep + 1));
    const timeoutMs = this.options.connectTimeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new RmqError(
            'REMOTING_CONNECT_FAILED',
            `Cannot connect to ${addr}: no answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new RmqError('REMOTING_CONNECT_FAILED', `Cannot connect to ${addr}: ${err.message}`, {
            cause: err,
          }),
        );
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(
          new RemotingConnection(socket, {
            maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
            maxPendingRequests: 1024,
            logger: this.options.logger,
            onRequest:
              this.options.onRequest ??
              ((cmd) =>
                createResponse(
                  cmd,
                  ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                  `The client does not serve request code ${cmd.code}`,
                )),
          }),
        );
      });
    });
  }

  /** Closes the connection to one address (the next call reconnects). */
  async closeConnection(addr: string): Promise<void> {
    const c = this.connections.get(addr);
    this.connections.delete(addr);
    this.ready.delete(addr);
    if (c) (await c.catch(() => undefined))?.close();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    this.ready.clear();
    for (const c of all) (await c.catch(() => undefined))?.close();
  }
}
