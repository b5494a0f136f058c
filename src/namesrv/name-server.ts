import { pino, type Logger } from 'pino';
import { RemotingServer } from '../remoting/transport/remoting-server.ts';
import { RouteInfoManager } from './route-info-manager.ts';
import type { NamesrvConfig } from './namesrv-config.ts';
import { registerBrokerRegistrationProcessor } from './processors/broker-registration-processor.ts';
import { registerRouteQueryProcessor } from './processors/route-query-processor.ts';
import { registerConfigProcessor } from './processors/config-processor.ts';
import { KvConfigManager } from './kv-config-manager.ts';

/** The name server: broker registry and topic routes over Remoting. */
export class NameServer {
  readonly config: NamesrvConfig;
  readonly routes: RouteInfoManager;
  private readonly logger: Logger;
  private readonly server: RemotingServer;
  private scanTimer: NodeJS.Timeout | undefined;

  constructor(config: NamesrvConfig, logger?: Logger) {
    this.config = config;
    this.logger = (logger ?? pino({ level: 'silent' })).child({ component: 'namesrv' });
    this.routes = new RouteInfoManager(this.logger);
    this.server = new RemotingServer({
      port: config.listenPort,
      host: config.bindAddress,
      logger: this.logger,
    });
    registerBrokerRegistrationProcessor(this.server, this.routes, config.brokerChannelExpiredTime);
    registerRouteQueryProcessor(this.server, this.routes);
    registerConfigProcessor(this.server, new KvConfigManager(config.kvConfigPath), config);
  }

  get port(): number {
    return this.server.port;
  }

  async start(): Promise<void> {
    await this.server.start();
    this.scanTimer = setInterval(
      () => this.routes.scanNotActiveBroker(),
      this.config.scanNotActiveBrokerInterval,
    );
    this.logger.info({ port: this.port }, 'Name server started');
  }

  async shutdown(): Promise<void> {
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = undefined;
    await this.server.shutdown();
  }
}
