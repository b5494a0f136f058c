import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BrokerService } from '../../broker/broker-service.ts';
import { messagingServiceDefinition } from './proto-definition.ts';
import { messagingService } from './messaging-service.ts';
import type { TelemetrySessions } from './telemetry.ts';

export interface GrpcServerOptions {
  service: BrokerService;
  /** Cancels a timer message not yet due (RecallMessage). */
  recall: (messageId: string, deliverMs: number) => boolean;
  port: number;
  host: string;
  /** Host clients reach this endpoint at, when a request does not say (announced in routes). */
  advertisedHost: string;
  logger: Logger;
}

/** Inbound headroom above maxMessageSize for properties and framing. */
const HEADROOM_BYTES = 1024 * 1024;

/**
 * The gRPC endpoint (`grpcServerPort`, 8081): RocketMQ 5's MessagingService served from the
 * broker process, plaintext HTTP/2.
 */
export class GrpcServer {
  private readonly o: GrpcServerOptions;
  private readonly server: Server;
  private readonly telemetry: TelemetrySessions;
  private boundPort = 0;

  constructor(options: GrpcServerOptions) {
    this.o = options;
    const maxMessage = options.service.deps.store.config.maxMessageSize + HEADROOM_BYTES;
    this.server = new Server({
      'grpc.max_receive_message_length': maxMessage,
      'grpc.max_send_message_length': maxMessage,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const { handlers, telemetry } = messagingService({
      service: options.service,
      recall: options.recall,
      endpoint: () => ({ host: options.advertisedHost, port: this.boundPort }),
      logger: options.logger.child({ component: 'grpc' }),
    });
    this.telemetry = telemetry;
    this.server.addService(messagingServiceDefinition(), handlers);
  }

  get port(): number {
    return this.boundPort;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(
        `${this.o.host}:${this.o.port}`,
        ServerCredentials.createInsecure(),
        (err, port) => {
          if (err) {
            reject(new Error(`Cannot serve gRPC on ${this.o.host}:${this.o.port}: ${err.message}`));
            return;
          }
          this.boundPort = port;
          this.o.logger.info({ port }, 'gRPC endpoint started');
          resolve();
        },
      );
    });
  }

  async shutdown(): Promise<void> {
    this.telemetry.shutdown();
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
