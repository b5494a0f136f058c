import type { Logger } from 'pino';
import { MessageConst } from '../../common/message/message-const.ts';
import { decodeRecord } from '../../common/message/message-ext-codec.ts';
import { decodeSocketAddress } from '../../common/message/socket-address.ts';
import type { HeartbeatData } from '../../common/protocol-data/heartbeat-data.ts';
import { parseJavaJson } from '../../common/protocol-data/java-json.ts';
import type {
  ClusterInfo,
  TopicConfig,
  TopicRouteData,
} from '../../common/protocol-data/route-data.ts';
import {
  createRequest,
  createResponse,
  isOneway,
  type RemotingCommand,
} from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { RemotingClient } from '../../remoting/transport/remoting-client.ts';
import type { ProducerManager } from '../managers/producer-manager.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';
import type { BrokerCluster, BrokerGateway } from '../operations/broker-gateway.ts';
import type { BrokerQueues } from '../operations/broker-queues.ts';
import { localGateway } from '../operations/local-gateway.ts';
import { OperationStatus, type Outcome } from '../operations/outcome.ts';
import { RemoteBrokerGateway } from './remote-broker-gateway.ts';

/** How long a topic's route from the name servers is used before it is asked again. */
const ROUTE_TTL_MS = 3000;
const REQUEST_TIMEOUT_MS = 3000;

export interface RemotingBrokerClusterOptions {
  operations: BrokerOperations;
  /** Name servers, "host:port;host:port". */
  namesrvAddr: string;
  /** This broker's store host as it is in offset message ids, "host:port". */
  storeAddr: () => string;
  /** This broker's producers, whose checks the other brokers send through this one. */
  producers: ProducerManager;
  logger: Logger;
}

interface CachedRoute {
  at: number;
  route: TopicRouteData | undefined;
}

/**
 * The cluster as this broker's gRPC endpoint sees it (RocketMQ's proxy in cluster mode): routes
 * from the name servers, one gateway per other broker over a Remoting client, this broker's own
 * queues and calls straight from its core. The client also carries the gRPC clients' heartbeats
 * to the other brokers, and their transaction checks back to the client's Telemetry stream.
 */
export class RemotingBrokerCluster implements BrokerCluster {
  readonly local: BrokerGateway;
  private readonly o: RemotingBrokerClusterOptions;
  private readonly client: RemotingClient;
  private readonly namesrvs: string[];
  private readonly routes = new Map<string, CachedRoute>();
  /** Configs of topics this broker does not have, from a broker that does. */
  private readonly configs = new Map<string, { at: number; config: TopicConfig }>();
  private readonly inflight = new Map<string, Promise<TopicRouteData | undefined>>();
  /** Broker name -> master address, from every route and cluster info read. */
  private readonly masters = new Map<string, string>();
  private readonly gateways = new Map<string, RemoteBrokerGateway>();
  /** Client id -> the other brokers its heartbeats went to. */
  private readonly relayed = new Map<string, Set<string>>();

  constructor(o: RemotingBrokerClusterOptions) {
    this.o = o;
    this.local = localGateway(o.operations);
    this.namesrvs = o.namesrvAddr
      .split(';')
      .map((a) => a.trim())
      .filter(Boolean);
    this.client = new RemotingClient({
      logger: o.logger,
      onRequest: (req) => this.onBrokerRequest(req),
    });
  }

  private get brokerName(): string {
    return this.local.brokerName;
  }

  async topicFor(topic: string): Promise<TopicConfig | Outcome> {
    const own = this.o.operations.admin.topicFor(topic);
    if ('topicName' in own || own.status !== OperationStatus.TOPIC_NOT_EXIST) return own;
    const cached = this.configs.get(topic);
    if (cached && Date.now() - cached.at < ROUTE_TTL_MS) return cached.config;
    let config: TopicConfig | undefined;
    for (const q of (await this.route(topic)).filter((b) => b.brokerName !== this.brokerName)) {
      config = await (await this.gateway(q.brokerName))?.topicConfig(topic);
      if (config) break;
    }
    if (config) this.configs.set(topic, { at: Date.now(), config });
    return config ?? own;
  }

  async route(topic: string): Promise<BrokerQueues[]> {
    const queues: BrokerQueues[] = [];
    const own = this.o.operations.admin.topic(topic);
    if (own)
      queues.push({
        brokerName: this.brokerName,
        readQueueNums: own.readQueueNums,
        writeQueueNums: own.writeQueueNums,
        perm: own.perm,
      });
    const route = await this.remoteRoute(topic);
    for (const q of route?.queueDatas ?? [])
      if (q.brokerName !== this.brokerName && this.masters.has(q.brokerName))
        queues.push({
          brokerName: q.brokerName,
          readQueueNums: q.readQueueNums,
          writeQueueNums: q.writeQueueNums,
          perm: q.perm,
        });
    return queues.sort((a, b) =>
      a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
    );
  }

  /**
   * The name servers' route of a topic. A cached route older than ROUTE_TTL_MS is still answered
   * at once while a lookup refreshes it, so requests never wait on a name server after the first
   * lookup; a topic no name server routes is not cached (it may be created any moment). One
   * lookup at a time per topic.
   */
  private remoteRoute(topic: string): Promise<TopicRouteData | undefined> {
    if (this.namesrvs.length === 0) return Promise.resolve(undefined);
    const cached = this.routes.get(topic);
    if (!cached) return this.lookup(topic);
    if (Date.now() - cached.at >= ROUTE_TTL_MS) this.lookup(topic).catch(() => undefined);
    return Promise.resolve(cached.route);
  }

  private lookup(topic: string): Promise<TopicRouteData | undefined> {
    const pending = this.inflight.get(topic);
    if (pending) return pending;
    const lookup = this.askNameServers(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic })
      .then((answer) => {
        if (!answer) {
          // Keep what was known; remember the miss so requests do not each wait on a timeout.
          const known = this.routes.get(topic)?.route;
          this.routes.set(topic, { at: Date.now(), route: known });
          return known;
        }
        if (answer.body === undefined) {
          this.routes.delete(topic);
          return undefined;
        }
        const route = parseJavaJson(answer.body) as TopicRouteData;
        for (const b of route.brokerDatas) {
          const master = b.brokerAddrs['0'];
          if (master) this.masters.set(b.brokerName, master);
        }
        this.routes.set(topic, { at: Date.now(), route });
        return route;
      })
      .finally(() => this.inflight.delete(topic));
    this.inflight.set(topic, lookup);
    return lookup;
  }

  /**
   * What the first name server to answer said: its body on SUCCESS, else no body; undefined when
   * none answers.
   */
  private async askNameServers(
    code: number,
    header: Record<string, string>,
  ): Promise<{ body: string | undefined } | undefined> {
    let lastError: unknown;
    for (const addr of this.namesrvs) {
      try {
        const res = await this.client.invoke(
          addr,
          createRequest(code, 0, header),
          REQUEST_TIMEOUT_MS,
        );
        return {
          body: res.code === ResponseCode.SUCCESS ? res.body?.toString('utf8') : undefined,
        };
      } catch (err) {
        lastError = err;
      }
    }
    this.o.logger.warn({ err: lastError }, 'No name server answered');
    return undefined;
  }

  async gateway(brokerName: string): Promise<BrokerGateway | undefined> {
    if (brokerName === this.brokerName) return this.local;
    let addr = this.masters.get(brokerName);
    if (!addr) {
      const answer = await this.askNameServers(RequestCode.GET_BROKER_CLUSTER_INFO, {});
      const info = answer?.body ? (parseJavaJson(answer.body) as ClusterInfo) : undefined;
      for (const b of Object.values(info?.brokerAddrTable ?? {})) {
        const master = b.brokerAddrs['0'];
        if (master) this.masters.set(b.brokerName, master);
      }
      addr = this.masters.get(brokerName);
    }
    return addr ? this.remote(brokerName, addr) : undefined;
  }

  gatewayAt(host: string, port: number): BrokerGateway {
    const addr = `${host}:${port}`;
    if (addr === this.o.storeAddr()) return this.local;
    const name = [...this.masters].find(([, a]) => a === addr)?.[0] ?? addr;
    return this.remote(name, addr);
  }

  private remote(brokerName: string, addr: string): RemoteBrokerGateway {
    let g = this.gateways.get(addr);
    if (!g || g.brokerName !== brokerName) {
      g = new RemoteBrokerGateway(this.client, brokerName, addr, REQUEST_TIMEOUT_MS);
      this.gateways.set(addr, g);
    }
    return g;
  }

  relayHeartbeat(data: HeartbeatData, topics: readonly string[]): void {
    void Promise.all(topics.map((t) => this.remoteRoute(t))).then((routes) => {
      const addrs = new Set<string>();
      for (const route of routes)
        for (const q of route?.queueDatas ?? []) {
          const addr = this.masters.get(q.brokerName);
          if (q.brokerName !== this.brokerName && addr) addrs.add(addr);
        }
      if (addrs.size === 0) return;
      const seen = this.relayed.get(data.clientID) ?? new Set<string>();
      this.relayed.set(data.clientID, seen);
      const body = Buffer.from(JSON.stringify(data));
      for (const addr of addrs) {
        seen.add(addr);
        this.client
          .invoke(addr, createRequest(RequestCode.HEART_BEAT, 0, {}, body), REQUEST_TIMEOUT_MS)
          .then(
            (res) => {
              if (res.code !== ResponseCode.SUCCESS)
                this.o.logger.warn(
                  { addr, code: res.code, remark: res.remark },
                  'Relayed heartbeat refused',
                );
            },
            (err: unknown) => this.o.logger.warn({ addr, err }, 'Relayed heartbeat failed'),
          );
      }
    });
  }

  relayUnregister(
    clientId: string,
    producerGroups: readonly string[],
    consumerGroup?: string,
  ): void {
    const addrs = this.relayed.get(clientId);
    if (!addrs) return;
    this.relayed.delete(clientId);
    const requests = [
      ...producerGroups.map((producerGroup) => ({ clientID: clientId, producerGroup })),
      ...(consumerGroup ? [{ clientID: clientId, consumerGroup }] : []),
    ];
    for (const addr of addrs)
      for (const header of requests)
        this.client
          .invoke(addr, createRequest(RequestCode.UNREGISTER_CLIENT, 0, header), REQUEST_TIMEOUT_MS)
          .catch((err: unknown) => this.o.logger.debug({ addr, err }, 'Relayed unregister failed'));
  }

  /**
   * What another broker asks of the clients this endpoint registered with it: a transaction check,
   * handed to a producer of the half message's group connected here (its Telemetry stream).
   */
  private onBrokerRequest(req: RemotingCommand): RemotingCommand | undefined {
    if (req.code !== RequestCode.CHECK_TRANSACTION_STATE || !req.body)
      // Membership notices need nothing (v2 clients ask for assignments); a question is refused.
      return isOneway(req)
        ? undefined
        : createResponse(
            req,
            ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
            `request code ${req.code} is not relayed to gRPC clients by ${this.brokerName}'s endpoint`,
          );
    const h = req.extFields ?? {};
    const half = decodeRecord(req.body);
    const group = half.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP) ?? '';
    const channel = this.o.producers.channels(group)[0];
    if (!channel) {
      this.o.logger.debug({ group }, 'A relayed transaction check found no producer of its group');
      return undefined;
    }
    channel.connection.checkTransactionState({
      half: req.body,
      realTopic: half.properties.get(MessageConst.PROPERTY_REAL_TOPIC) ?? '',
      commitLogOffset: Number(h.commitLogOffset ?? half.commitLogOffset),
      tranStateTableOffset: Number(h.tranStateTableOffset ?? -1),
      msgId: h.msgId ?? '',
      offsetMsgId: h.offsetMsgId ?? '',
    });
    return undefined;
  }

  async shutdown(): Promise<void> {
    await this.client.shutdown();
  }
}

/** An offset message id's store host as "host:port". */
export function storeAddrOf(storeHost: Uint8Array): string {
  const { host, port } = decodeSocketAddress(storeHost);
  return `${host}:${port}`;
}
