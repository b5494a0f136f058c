import { pino, type Logger } from 'pino';
import { RemotingClient } from '../remoting/transport/remoting-client.ts';
import { createRequest, type RemotingCommand } from '../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../remoting/protocol/request-code.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';
import { MQBrokerError } from '../common/errors/mq-broker-error.ts';
import type { ClusterInfo, TopicRouteData } from '../common/protocol-data/route-data.ts';
import { mapEntries, parseJavaJson } from '../common/protocol-data/java-json.ts';

export interface AdminClientOptions {
  /** Name servers, "host:port;host:port". */
  namesrvAddr: string;
  timeoutMs?: number;
  logger?: Logger;
}

/** A MessageQueue as RocketMQ's bodies key their tables by it. */
export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** A broker group's master as a route or the cluster table names it. */
export interface BrokerMaster {
  brokerName: string;
  cluster: string;
  addr: string;
}

/** What one name server answered, or why it did not (commands that go to every name server). */
export interface NamesrvAnswer<T> {
  namesrvAddr: string;
  value?: T;
  error?: Error;
}

/**
 * The Remoting side of the admin client, as mqadmin's DefaultMQAdminExt does it: requests to a
 * name server or a broker, a failure code turned into MQBrokerError (RocketMQ's response code
 * and remark), and the route and cluster look-ups every command starts from.
 */
export class AdminTransport {
  readonly namesrvs: readonly string[];
  readonly timeoutMs: number;
  private readonly client: RemotingClient;

  constructor(options: AdminClientOptions) {
    this.namesrvs = options.namesrvAddr
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.client = new RemotingClient({ logger: options.logger ?? pino({ level: 'silent' }) });
  }

  /** One request; a response code outside `accept` throws MQBrokerError naming `action`. */
  async call(
    addr: string,
    action: string,
    code: number,
    ext: Record<string, string> = {},
    body?: Buffer,
    accept: readonly number[] = [ResponseCode.SUCCESS],
  ): Promise<RemotingCommand> {
    const res = await this.client.invoke(addr, createRequest(code, 0, ext, body), this.timeoutMs);
    if (!accept.includes(res.code)) throw new MQBrokerError(res.code, res.remark, addr, action);
    return res;
  }

  /** Asks the name servers in turn until one answers. */
  async namesrv(
    action: string,
    code: number,
    ext: Record<string, string> = {},
  ): Promise<RemotingCommand> {
    let last: unknown;
    for (const addr of this.namesrvs) {
      try {
        return await this.call(addr, action, code, ext);
      } catch (err) {
        if (err instanceof MQBrokerError) throw err;
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(`${action} failed: no name server configured`);
  }

  /** Runs `fn` against every name server, each answer or failure kept. */
  async eachNamesrv<T>(fn: (addr: string) => Promise<T>): Promise<NamesrvAnswer<T>[]> {
    if (this.namesrvs.length === 0) throw new Error('No name server configured');
    const out: NamesrvAnswer<T>[] = [];
    for (const namesrvAddr of this.namesrvs) {
      try {
        out.push({ namesrvAddr, value: await fn(namesrvAddr) });
      } catch (err) {
        out.push({ namesrvAddr, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
    return out;
  }

  /** A body in RocketMQ's JSON dialect (fastjson's object-keyed maps come back as Maps). */
  static json<T>(res: RemotingCommand): T {
    return parseJavaJson(res.body?.toString('utf8') || 'null') as T;
  }

  /** The [MessageQueue, value] pairs of a Map<MessageQueue, T> body field. */
  static queueEntries<T>(table: unknown): [MessageQueue, T][] {
    return mapEntries(table) as [MessageQueue, T][];
  }

  async topicRoute(topic: string): Promise<TopicRouteData> {
    return AdminTransport.json(
      await this.namesrv(`Route lookup of ${topic}`, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }),
    );
  }

  async clusterInfo(): Promise<ClusterInfo> {
    return AdminTransport.json(
      await this.namesrv('Cluster lookup', RequestCode.GET_BROKER_CLUSTER_INFO),
    );
  }

  /** The broker names of a cluster; an unknown cluster is an error listing the known ones. */
  protected static brokerNamesOf(info: ClusterInfo, clusterName: string): string[] {
    const names = info.clusterAddrTable[clusterName];
    if (!names)
      throw new Error(
        `Cannot find cluster "${clusterName}"; known: ${Object.keys(info.clusterAddrTable).join(', ') || 'none'}`,
      );
    return [...names].sort();
  }

  /** Master addresses of a cluster's brokers. */
  async masterAddrs(clusterName: string): Promise<string[]> {
    const info = await this.clusterInfo();
    return AdminTransport.brokerNamesOf(info, clusterName)
      .map((n) => info.brokerAddrTable[n]?.brokerAddrs['0'])
      .filter((a): a is string => a !== undefined);
  }

  /** Every broker of a cluster by master address: the master, then its slaves. */
  async mastersAndSlaves(clusterName: string): Promise<{ master: string; slaves: string[] }[]> {
    const info = await this.clusterInfo();
    const out: { master: string; slaves: string[] }[] = [];
    for (const name of AdminTransport.brokerNamesOf(info, clusterName)) {
      const addrs = info.brokerAddrTable[name]?.brokerAddrs ?? {};
      const master = addrs['0'];
      if (!master) continue;
      const slaves = Object.entries(addrs)
        .filter(([id]) => id !== '0')
        .map(([, a]) => a);
      out.push({ master, slaves });
    }
    return out;
  }

  /** The masters serving a topic (or, with `clusterName`, those of that cluster only). */
  async topicMasters(topic: string, clusterName?: string): Promise<BrokerMaster[]> {
    const route = await this.topicRoute(topic);
    return route.brokerDatas
      .filter((b) => clusterName === undefined || b.cluster === clusterName)
      .map((b) => ({ brokerName: b.brokerName, cluster: b.cluster, addr: b.brokerAddrs['0'] }))
      .filter((b): b is BrokerMaster => b.addr !== undefined)
      .sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  }

  /**
   * The masters a group's state lives on, found as mqadmin finds them: through the route of its
   * retry topic, else (a group that never consumed has none) every master the name server knows.
   */
  async groupMasters(group: string, clusterName?: string): Promise<BrokerMaster[]> {
    try {
      return await this.topicMasters(`%RETRY%${group}`, clusterName);
    } catch (err) {
      if (!(err instanceof MQBrokerError && err.responseCode === ResponseCode.TOPIC_NOT_EXIST))
        throw err;
    }
    const info = await this.clusterInfo();
    return Object.values(info.brokerAddrTable)
      .filter((b) => clusterName === undefined || b.cluster === clusterName)
      .map((b) => ({ brokerName: b.brokerName, cluster: b.cluster, addr: b.brokerAddrs['0'] }))
      .filter((b): b is BrokerMaster => b.addr !== undefined)
      .sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  }

  /** The broker names of a cluster. */
  async brokerNames(clusterName: string): Promise<string[]> {
    return AdminTransport.brokerNamesOf(await this.clusterInfo(), clusterName);
  }

  /** The broker group an address (master or slave) belongs to. */
  async brokerNameOf(brokerAddr: string): Promise<string> {
    const info = await this.clusterInfo();
    const b = Object.values(info.brokerAddrTable).find((d) =>
      Object.values(d.brokerAddrs).includes(brokerAddr),
    );
    if (!b) throw new Error(`No broker at ${brokerAddr} is known to the name server`);
    return b.brokerName;
  }

  /** The master address of a broker group, by its name. */
  async masterOf(brokerName: string): Promise<string> {
    const addr = (await this.clusterInfo()).brokerAddrTable[brokerName]?.brokerAddrs['0'];
    if (!addr) throw new Error(`No master for broker "${brokerName}" in the name server`);
    return addr;
  }

  async shutdown(): Promise<void> {
    await this.client.shutdown();
  }
}
