import type { Logger } from 'pino';
import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import type { RemotingClient } from '../../remoting/transport/remoting-client.ts';
import type { RegisterBrokerBody } from '../../common/protocol-data/route-data.ts';

/** What a name server answers a registration with: the group's master (empty for a master). */
export interface RegisteredMaster {
  masterAddr: string;
  haServerAddr: string;
}

export interface RegistrationInfo {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerAddr: string;
  haServerAddr: string;
  heartbeatTimeoutMillis: number;
}

/**
 * Registers the broker with every name server at start, every `periodMs`, and right away when
 * its topics change; unregisters on shutdown. A failing name server is logged and retried at the
 * next round, never blocking the others.
 */
export class NamesrvRegistrationService {
  private readonly client: RemotingClient;
  private readonly addrs: string[];
  private readonly info: () => RegistrationInfo;
  private readonly body: () => RegisterBrokerBody;
  private readonly periodMs: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  private again = false;
  private readonly onRegistered: ((master: RegisteredMaster) => void) | undefined;

  constructor(opts: {
    client: RemotingClient;
    namesrvAddr: string;
    info: () => RegistrationInfo;
    body: () => RegisterBrokerBody;
    periodMs: number;
    logger: Logger;
    /** Told, after each registration a name server accepts, the master it knows for the group. */
    onRegistered?: (master: RegisteredMaster) => void;
  }) {
    this.onRegistered = opts.onRegistered;
    this.client = opts.client;
    this.addrs = opts.namesrvAddr
      .split(';')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    this.info = opts.info;
    this.body = opts.body;
    this.periodMs = opts.periodMs;
    this.logger = opts.logger;
  }

  get nameServers(): readonly string[] {
    return this.addrs;
  }

  async start(): Promise<void> {
    await this.registerAll();
    this.timer = setInterval(() => void this.registerAll(), this.periodMs);
  }

  /**
   * Resolves once a round that started after this call has reached every name server, so what
   * changed before it is routable (RocketMQ registers synchronously when a topic is created).
   */
  async registerFresh(): Promise<void> {
    while (this.pending) await this.pending;
    await this.registerAll();
  }

  /** Registers now; overlapping calls collapse into one more round. */
  registerAll(): Promise<void> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = this.registerRound().finally(() => {
      this.pending = undefined;
      if (this.again) {
        this.again = false;
        void this.registerAll();
      }
    });
    return this.pending;
  }

  private identity(): Record<string, string> {
    const info = this.info();
    return {
      brokerAddr: info.brokerAddr,
      brokerName: info.brokerName,
      clusterName: info.clusterName,
      brokerId: String(info.brokerId),
    };
  }

  /** Sends one request to every name server; a failure is logged, never thrown. */
  private async toEveryNamesrv(
    action: string,
    code: number,
    ext: Record<string, string>,
    body?: Buffer,
  ): Promise<void> {
    await Promise.all(
      this.addrs.map(async (addr) => {
        try {
          const res = await this.client.invoke(addr, createRequest(code, 0, ext, body), 6000);
          if (res.code === ResponseCode.SUCCESS && code === RequestCode.REGISTER_BROKER)
            this.onRegistered?.({
              masterAddr: res.extFields?.masterAddr ?? '',
              haServerAddr: res.extFields?.haServerAddr ?? '',
            });
          if (res.code !== ResponseCode.SUCCESS) {
            this.logger.warn(
              { namesrv: addr, code: res.code, remark: res.remark },
              `Name server refused to ${action}`,
            );
          }
        } catch (err) {
          this.logger.warn(
            { namesrv: addr, err: (err as Error).message },
            `Cannot ${action} with name server`,
          );
        }
      }),
    );
  }

  private async registerRound(): Promise<void> {
    const info = this.info();
    const ext = {
      ...this.identity(),
      haServerAddr: info.haServerAddr,
      heartbeatTimeoutMillis: String(info.heartbeatTimeoutMillis),
      compressed: 'false',
      enableActingMaster: 'false',
    };
    await this.toEveryNamesrv(
      'register',
      RequestCode.REGISTER_BROKER,
      ext,
      Buffer.from(JSON.stringify(this.body())),
    );
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pending;
    await this.toEveryNamesrv('unregister', RequestCode.UNREGISTER_BROKER, this.identity());
  }
}
