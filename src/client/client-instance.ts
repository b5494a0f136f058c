import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import { pino, type Logger } from 'pino';
import { RemotingClient } from '../remoting/transport/remoting-client.ts';
import {
  createRequest,
  createResponse,
  jsonResponse,
  type RemotingCommand,
} from '../remoting/protocol/remoting-command.ts';
import { PRODUCT_VERSION } from '../common/constants/version.ts';
import { RequestCode } from '../remoting/protocol/request-code.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';
import type { TopicRouteData } from '../common/protocol-data/route-data.ts';
import type { ConsumerData } from '../common/protocol-data/heartbeat-data.ts';
import { decodeRecord } from '../common/message/message-ext-codec.ts';
import {
  decodeResetOffsetBody,
  type QueueOffset,
} from '../common/protocol-data/reset-offset-body.ts';
import { MQBrokerError, MQClientError, responseError } from './client-errors.ts';
import { routeInfo, type TopicRouteInfo } from './route/topic-route-cache.ts';
import type { ClientOptions } from './client-options.ts';
import { UniqueIdGenerator } from './unique-id.ts';

/** A producer or consumer registered with the instance, reported in heartbeats. */
export interface ClientMember {
  kind: 'producer' | 'consumer';
  group: string;
  /** Consumers describe their subscriptions for the heartbeat. */
  consumerData?: () => ConsumerData;
  /** Topics whose routes this member needs refreshed. */
  topics(): string[];
  /** Called when a broker says the group's membership changed. */
  onConsumerIdsChanged?: () => void;
  /** Transaction producers answer a broker's check-back (CHECK_TRANSACTION_STATE). */
  onCheckTransaction?: (request: RemotingCommand, brokerAddr: string) => void;
  /** An admin reset the group's offsets (RESET_CONSUMER_CLIENT_OFFSET): continue these queues there. */
  onResetOffset?: (topic: string, offsets: readonly QueueOffset[]) => void;
}

function firstIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) if (nic.family === 'IPv4' && !nic.internal) return nic.address;
  }
  return '127.0.0.1';
}

/**
 * One client: connections to name servers and brokers, topic route cache (refreshed every 30 s and
 * on errors), heartbeats to every broker, shared by the producers and consumers created from it.
 */
/** Typed events of a client: connections to name servers and brokers going up and down. */
export interface ClientEvents {
  connectionUp: [addr: string];
  connectionDown: [addr: string];
}

export class ClientInstance extends EventEmitter<ClientEvents> {
  readonly clientId: string;
  readonly logger: Logger;
  readonly remoting: RemotingClient;
  readonly ids: UniqueIdGenerator;
  readonly requestTimeoutMs: number;
  private readonly namesrvs: string[];
  private readonly options: ClientOptions;
  private readonly routes = new Map<string, TopicRouteInfo>();
  private readonly members = new Set<ClientMember>();
  /** When each member registered (PROP_CONSUMER_START_TIMESTAMP of its running info). */
  private readonly startedAt = new WeakMap<ClientMember, number>();
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private namesrvIndex = 0;

  constructor(options: ClientOptions) {
    super();
    this.options = options;
    this.namesrvs = options.namesrvAddr
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (this.namesrvs.length === 0)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'namesrvAddr names no name server');
    const ip = options.clientIP ?? firstIPv4();
    this.clientId = `${ip}@${options.instanceName ?? String(process.pid)}`;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({
      component: 'client',
      clientId: this.clientId,
    });
    this.ids = new UniqueIdGenerator(ip, process.pid);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 3000;
    this.remoting = new RemotingClient({
      logger: this.logger,
      onRequest: (req, conn) => this.onServerRequest(req, conn.remoteAddress),
      onConnected: (addr) => this.emit('connectionUp', addr),
      onDisconnected: (addr) => this.emit('connectionDown', addr),
    });
  }

  /** Starts the periodic route refresh and heartbeats (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.timers.push(
      setInterval(() => void this.refreshAllRoutes(), this.options.pollNameServerInterval ?? 30000),
      setInterval(
        () => void this.sendHeartbeatToAllBrokers(),
        this.options.heartbeatBrokerInterval ?? 30000,
      ),
    );
  }

  register(member: ClientMember): void {
    this.members.add(member);
    if (!this.startedAt.has(member)) this.startedAt.set(member, Date.now());
  }

  /**
   * A consumer's start: registered, its topics' brokers found, and a heartbeat sent at once so the
   * brokers list it before its first request. A broker refusing a subscription (a bad SQL92
   * expression) unregisters it again and fails with the broker's reason.
   */
  async announceConsumer(member: ClientMember, topics: Iterable<string>): Promise<void> {
    this.register(member);
    this.start();
    for (const topic of topics) await this.route(topic).catch(() => undefined);
    const refused = (await this.sendHeartbeatToAllBrokers()).find(
      (e) =>
        e instanceof MQBrokerError && e.responseCode === ResponseCode.SUBSCRIPTION_PARSE_FAILED,
    );
    if (!refused) return;
    await this.unregister(member);
    throw refused;
  }

  async unregister(member: ClientMember): Promise<void> {
    this.members.delete(member);
    const ext: Record<string, string> = { clientID: this.clientId };
    ext[member.kind === 'producer' ? 'producerGroup' : 'consumerGroup'] = member.group;
    await Promise.all(
      [...this.brokerAddrs()].map((addr) =>
        this.remoting
          .invoke(addr, createRequest(RequestCode.UNREGISTER_CLIENT, 0, ext), this.requestTimeoutMs)
          .catch(() => undefined),
      ),
    );
  }

  /** A request to a server, failing with MQBrokerError unless one of `ok` codes comes back. */
  async call(
    addr: string,
    action: string,
    request: RemotingCommand,
    timeoutMs = this.requestTimeoutMs,
    ok: readonly number[] = [ResponseCode.SUCCESS],
  ): Promise<RemotingCommand> {
    const res = await this.remoting.invoke(addr, request, timeoutMs);
    if (!ok.includes(res.code)) throw responseError(res, addr, action);
    return res;
  }

  /** The topic's cached route while it is younger than `maxAgeMs` (no lookup, no promise). */
  cachedRoute(topic: string, maxAgeMs = 30000): TopicRouteInfo | undefined {
    const cached = this.routes.get(topic);
    return cached && Date.now() - cached.fetchedAt < maxAgeMs ? cached : undefined;
  }

  /** The topic's route, from the cache unless it is older than `maxAgeMs` or `force`. */
  async route(topic: string, force = false, maxAgeMs = 30000): Promise<TopicRouteInfo> {
    const cached = force ? undefined : this.cachedRoute(topic, maxAgeMs);
    if (cached) return cached;
    let lastError: unknown;
    for (let i = 0; i < this.namesrvs.length; i++) {
      const addr = this.namesrvs[(this.namesrvIndex + i) % this.namesrvs.length] as string;
      try {
        const res = await this.remoting.invoke(
          addr,
          createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, 0, { topic }),
          this.requestTimeoutMs,
        );
        if (res.code === ResponseCode.TOPIC_NOT_EXIST) {
          throw new MQClientError(
            'NO_ROUTE',
            `No route for topic "${topic}": ${res.remark ?? 'the name server knows no broker serving it'}`,
          );
        }
        if (res.code !== ResponseCode.SUCCESS)
          throw responseError(res, addr, `Route lookup of ${topic}`);
        const info = routeInfo(
          topic,
          JSON.parse(res.body?.toString('utf8') ?? '{}') as TopicRouteData,
        );
        this.routes.set(topic, info);
        this.namesrvIndex = (this.namesrvIndex + i) % this.namesrvs.length;
        return info;
      } catch (err) {
        if (err instanceof MQClientError) {
          if (cached) return cached;
          throw err;
        }
        lastError = err;
      }
    }
    if (cached) return cached;
    throw new MQClientError(
      'NO_ROUTE',
      `No name server answered for topic "${topic}": ${(lastError as Error | undefined)?.message ?? ''}`,
      { cause: lastError },
    );
  }

  /** The master address of a broker, from any cached route. */
  masterAddr(brokerName: string): string | undefined {
    for (const info of this.routes.values()) {
      const addr = info.masters.get(brokerName);
      if (addr) return addr;
    }
    return undefined;
  }

  private brokerAddrs(): Set<string> {
    const out = new Set<string>();
    for (const info of this.routes.values()) for (const a of info.masters.values()) out.add(a);
    return out;
  }

  private async refreshAllRoutes(): Promise<void> {
    const topics = new Set<string>();
    for (const m of this.members) for (const t of m.topics()) topics.add(t);
    for (const t of topics)
      await this.route(t, true).catch((err: unknown) =>
        this.logger.debug({ err, topic: t }, 'Route refresh failed'),
      );
  }

  /** Heartbeat with every producer and consumer group to every known master; returns the refusals. */
  async sendHeartbeatToAllBrokers(): Promise<Error[]> {
    const producers = [...this.members]
      .filter((m) => m.kind === 'producer')
      .map((m) => ({ groupName: m.group }));
    const consumers = [...this.members].flatMap((m) => (m.consumerData ? [m.consumerData()] : []));
    if (producers.length === 0 && consumers.length === 0) return [];
    const body = Buffer.from(
      JSON.stringify({
        clientID: this.clientId,
        producerDataSet: producers,
        consumerDataSet: consumers,
      }),
    );
    const errors: Error[] = [];
    await Promise.all(
      [...this.brokerAddrs()].map((addr) =>
        this.call(addr, 'Heartbeat', createRequest(RequestCode.HEART_BEAT, 0, {}, body)).catch(
          (err: unknown) => {
            this.logger.warn({ err: (err as Error).message, broker: addr }, 'Heartbeat failed');
            errors.push(err instanceof Error ? err : new Error(String(err)));
          },
        ),
      ),
    );
    return errors;
  }

  /**
   * GET_CONSUMER_RUNNING_INFO, relayed by a broker for mqadmin consumerStatus: the consumer's
   * properties and subscriptions as RocketMQ's ConsumerRunningInfo (queue tables left empty).
   */
  private runningInfo(req: RemotingCommand): RemotingCommand {
    const group = req.extFields?.consumerGroup;
    const member = [...this.members].find((m) => m.kind === 'consumer' && m.group === group);
    const data = member?.consumerData?.();
    if (!member || !data)
      return createResponse(
        req,
        ResponseCode.SYSTEM_ERROR,
        `The Consumer Group <${group ?? ''}> not exist in this consumer`,
      );
    return jsonResponse(req, {
      properties: {
        PROP_NAMESERVER_ADDR: this.options.namesrvAddr,
        PROP_CONSUME_TYPE: data.consumeType,
        PROP_CONSUMER_START_TIMESTAMP: String(this.startedAt.get(member) ?? 0),
        PROP_CLIENT_VERSION: `rocketmq-ts ${PRODUCT_VERSION}`,
        messageModel: data.messageModel,
        consumeFromWhere: data.consumeFromWhere,
        language: 'NODE_JS',
      },
      subscriptionSet: data.subscriptionDataSet,
      mqTable: new Map(),
      mqPopTable: new Map(),
      statusTable: {},
      userConsumerInfo: {},
    });
  }

  private onServerRequest(req: RemotingCommand, brokerAddr: string): RemotingCommand | undefined {
    if (req.code === RequestCode.GET_CONSUMER_RUNNING_INFO) return this.runningInfo(req);
    if (req.code === RequestCode.CONSUME_MESSAGE_DIRECTLY)
      return createResponse(
        req,
        ResponseCode.SYSTEM_ERROR,
        'rocketmq-ts consumers do not consume a message directly on request',
      );
    if (req.code === RequestCode.CHECK_TRANSACTION_STATE) {
      const group = req.body ? decodeRecord(req.body).properties.get('PGROUP') : undefined;
      for (const m of this.members)
        if (m.kind === 'producer' && m.group === group) m.onCheckTransaction?.(req, brokerAddr);
      return undefined;
    }
    if (req.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED) {
      const group = req.extFields?.consumerGroup;
      for (const m of this.members) if (m.group === group) m.onConsumerIdsChanged?.();
    }
    if (req.code === RequestCode.RESET_CONSUMER_CLIENT_OFFSET) {
      const { group, topic } = req.extFields ?? {};
      let offsets: QueueOffset[];
      try {
        offsets = decodeResetOffsetBody(req.body);
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, broker: brokerAddr },
          'Offset reset ignored',
        );
        return undefined;
      }
      if (topic === undefined) return undefined;
      this.logger.info({ group, topic, broker: brokerAddr }, 'Offsets reset by the broker');
      for (const m of this.members)
        if (m.kind === 'consumer' && m.group === group) m.onResetOffset?.(topic, offsets);
    }
    return undefined;
  }

  async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.started = false;
    await this.remoting.shutdown();
  }
}
