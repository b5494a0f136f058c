import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame-codec.ts';
import { createResponse, type RemotingCommand } from '../protocol/remoting-command.ts';
import { ResponseCode } from '../protocol/response-code.ts';
import { RemotingConnection, type RequestHandler } from './remoting-connection.ts';

export interface RemotingServerOptions {
  port: number;
  host?: string;
  maxFrameBytes?: number;
  /** Idle connections are closed after this many ms without traffic (RocketMQ: 120 s). */
  idleTimeoutMs?: number;
  maxPendingRequests?: number;
  logger: Logger;
}

/**
 * A Remoting server: one processor per request code; an unknown code is answered with
 * REQUEST_CODE_NOT_SUPPORTED and the connection stays up.
 */
export class RemotingServer {
  private readonly options: RemotingServerOptions;
  private readonly processors = new Map<number, RequestHandler>();
  private readonly connections = new Set<RemotingConnection>();
  private server: Server | undefined;
  private boundPort = 0;
  private readonly connectionListeners: ((c: RemotingConnection) => void)[] = [];

  constructor(options: RemotingServerOptions) {
    this.options = options;
  }

  registerProcessor(codes: number | readonly number[], handler: RequestHandler): void {
    for (const code of typeof codes === 'number' ? [codes] : codes)
      this.processors.set(code, handler);
  }

  onConnection(listener: (c: RemotingConnection) => void): void {
    this.connectionListeners.push(listener);
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : this.options.port;
  }

  private accept(socket: Socket): void {
    const connection = new RemotingConnection(socket, {
      maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      maxPendingRequests: this.options.maxPendingRequests ?? 1024,
      logger: this.options.logger,
      onRequest: (cmd, conn) => this.dispatch(cmd, conn),
    });
    socket.setTimeout(this.options.idleTimeoutMs ?? 120000, () => {
      this.options.logger.info({ remote: connection.remoteAddress }, 'Closing idle connection');
      socket.destroy();
    });
    this.connections.add(connection);
    connection.onClosed(() => this.connections.delete(connection));
    for (const l of this.connectionListeners) l(connection);
  }

  private dispatch(
    cmd: RemotingCommand,
    connection: RemotingConnection,
  ): ReturnType<RequestHandler> {
    const processor = this.processors.get(cmd.code);
    if (!processor) {
      return createResponse(
        cmd,
        ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
        `The request code ${cmd.code} is not supported`,
      );
    }
    return processor(cmd, connection);
  }

  async shutdown(): Promise<void> {
    for (const c of this.connections) c.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
