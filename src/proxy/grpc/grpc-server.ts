import { createServer, connect, type Server as NetServer, type Socket } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BrokerOperations } from '../../broker/operations/broker-operations.ts';
import type { BrokerCluster } from '../../broker/operations/broker-gateway.ts';
import { ignoreFarDeadlines } from './far-deadlines.ts';
import { messagingServiceDefinition } from './proto-definition.ts';
import { messagingService } from './messaging-service.ts';
import type { TelemetrySessions } from './telemetry.ts';

export interface GrpcServerOptions {
  operations: BrokerOperations;
  /** The cluster's brokers (BrokerController.cluster): routes and requests span all of them. */
  cluster: BrokerCluster;
  port: number;
  host: string;
  /** Host clients reach this endpoint at, when a request does not say (announced in routes). */
  advertisedHost: string;
  /** PEM certificate chain and key: the port then takes TLS and plaintext clients alike. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  logger: Logger;
}

/** The first byte of a TLS ClientHello record. */
const TLS_HANDSHAKE = 0x16;

/** Inbound headroom above maxMessageSize for properties and framing. */
const HEADROOM_BYTES = 1024 * 1024;

/**
 * The gRPC endpoint (`grpcServerPort`, 8081): RocketMQ 5's MessagingService served from the
 * broker process, over plaintext HTTP/2 and, given a certificate, TLS on the same port.
 */
export class GrpcServer {
  private readonly o: GrpcServerOptions;
  private readonly server: Server;
  private readonly telemetry: TelemetrySessions;
  private boundPort = 0;
  private front: NetServer | undefined;
  private readonly frontSockets = new Set<Socket>();

  constructor(options: GrpcServerOptions) {
    this.o = options;
    const maxMessage = options.operations.limits.maxMessageSize + HEADROOM_BYTES;
    this.server = new Server({
      'grpc.max_receive_message_length': maxMessage,
      'grpc.max_send_message_length': maxMessage,
      'grpc.keepalive_permit_without_calls': 1,
    });
    // The Java client's Telemetry deadline (60 years) would otherwise end the stream at once.
    ignoreFarDeadlines(this.server);
    const { handlers, telemetry } = messagingService({
      operations: options.operations,
      cluster: options.cluster,
      endpoint: () => ({ host: options.advertisedHost, port: this.boundPort }),
      logger: options.logger.child({ component: 'grpc' }),
    });
    this.telemetry = telemetry;
    this.server.addService(messagingServiceDefinition(), handlers);
  }

  get port(): number {
    return this.boundPort;
  }

  private bind(address: string, credentials: ServerCredentials): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, port) => {
        if (err) reject(new Error(`Cannot serve gRPC on ${address}: ${err.message}`));
        else resolve(port);
      });
    });
  }

  async start(): Promise<void> {
    const tls = this.o.tls;
    if (!tls) {
      this.boundPort = await this.bind(
        `${this.o.host}:${this.o.port}`,
        ServerCredentials.createInsecure(),
      );
    } else {
      // grpc-js serves one kind per port: it listens on two loopback ports, and the public port
      // hands each connection to one of them by its first byte (a TLS handshake or HTTP/2).
      const plain = await this.bind('127.0.0.1:0', ServerCredentials.createInsecure());
      const secure = await this.bind(
        '127.0.0.1:0',
        ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false),
      );
      // No Nagle on either side of the hand-over: small HTTP/2 frames would wait ~40 ms each.
      this.front = createServer({ noDelay: true }, (socket) => {
        this.frontSockets.add(socket);
        socket.on('close', () => this.frontSockets.delete(socket));
        sniff(socket, plain, secure);
      });
      const front = this.front;
      await new Promise<void>((resolve, reject) => {
        front.once('error', (err) =>
          reject(new Error(`Cannot serve gRPC on ${this.o.host}:${this.o.port}: ${err.message}`)),
        );
        front.listen(this.o.port, this.o.host, resolve);
      });
      const address = front.address();
      this.boundPort = typeof address === 'object' && address ? address.port : this.o.port;
    }
    this.o.logger.info({ port: this.boundPort, tls: Boolean(tls) }, 'gRPC endpoint started');
  }

  async shutdown(): Promise<void> {
    this.telemetry.shutdown();
    const front = this.front;
    if (front) {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const socket of this.frontSockets) socket.destroy();
      await closed;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Forwards a connection to the TLS or the plaintext listener, by its first byte. */
function sniff(socket: Socket, plainPort: number, tlsPort: number): void {
  socket.once('data', (first: Buffer) => {
    socket.pause();
    const port = first[0] === TLS_HANDSHAKE ? tlsPort : plainPort;
    const upstream = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
      upstream.write(first);
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.resume();
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  });
  socket.on('error', () => socket.destroy());
}
