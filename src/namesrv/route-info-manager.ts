import type { Logger } from 'pino';
import type {
  BrokerData,
  ClusterInfo,
  DataVersion,
  QueueData,
  TopicConfig,
  TopicRouteData,
} from '../common/protocol-data/route-data.ts';

interface BrokerLiveInfo {
  lastUpdate: number;
  timeoutMillis: number;
  dataVersion: DataVersion;
  haServerAddr: string;
  brokerName: string;
  clusterName: string;
  brokerId: number;
}

export interface RegisterBrokerInput {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  timeoutMillis: number;
  topicConfigs: readonly TopicConfig[] | undefined;
  dataVersion: DataVersion | undefined;
}

/**
 * The name server's tables (RocketMQ's RouteInfoManager): which brokers are alive, in which
 * cluster, and which topics each serves with how many queues.
 */
export class RouteInfoManager {
  private readonly logger: Logger;
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  private readonly brokerAddrTable = new Map<string, BrokerData>();
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  private readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Registers or refreshes a broker; returns the master address for a slave. */
  registerBroker(
    input: RegisterBrokerInput,
    now = Date.now(),
  ): { masterAddr: string; haServerAddr: string } {
    const { clusterName, brokerAddr, brokerName, brokerId } = input;
    let names = this.clusterAddrTable.get(clusterName);
    if (!names) {
      names = new Set();
      this.clusterAddrTable.set(clusterName, names);
    }
    names.add(brokerName);
    let brokerData = this.brokerAddrTable.get(brokerName);
    if (!brokerData) {
      brokerData = { cluster: clusterName, brokerName, brokerAddrs: {}, enableActingMaster: false };
      this.brokerAddrTable.set(brokerName, brokerData);
    }
    // One address per broker id: an address that moved to another id is dropped from the old one.
    for (const [id, addr] of Object.entries(brokerData.brokerAddrs)) {
      if (addr === brokerAddr && Number(id) !== brokerId) delete brokerData.brokerAddrs[id];
    }
    const isNew = brokerData.brokerAddrs[String(brokerId)] !== brokerAddr;
    brokerData.brokerAddrs[String(brokerId)] = brokerAddr;
    const prev = this.brokerLiveTable.get(brokerAddr);
    const changed =
      !prev ||
      !input.dataVersion ||
      prev.dataVersion.counter !== input.dataVersion.counter ||
      prev.dataVersion.timestamp !== input.dataVersion.timestamp;
    if (brokerId === 0 && input.topicConfigs && (changed || isNew)) {
      const served = new Set(input.topicConfigs.map((t) => t.topicName));
      for (const tc of input.topicConfigs) this.putQueueData(brokerName, tc);
      // Topics the master no longer reports are gone from this broker.
      for (const [topic, queues] of this.topicQueueTable) {
        if (queues.has(brokerName) && !served.has(topic)) this.removeQueueData(topic, brokerName);
      }
    }
    this.brokerLiveTable.set(brokerAddr, {
      lastUpdate: now,
      timeoutMillis: input.timeoutMillis,
      dataVersion: input.dataVersion ?? { timestamp: now, counter: 0 },
      haServerAddr: input.haServerAddr,
      brokerName,
      clusterName,
      brokerId,
    });
    if (isNew)
      this.logger.info({ brokerName, brokerAddr, brokerId, clusterName }, 'Broker registered');
    const masterAddr = brokerId === 0 ? '' : (brokerData.brokerAddrs['0'] ?? '');
    return {
      masterAddr,
      haServerAddr: masterAddr ? (this.brokerLiveTable.get(masterAddr)?.haServerAddr ?? '') : '',
    };
  }

  private putQueueData(brokerName: string, tc: TopicConfig): void {
    let queues = this.topicQueueTable.get(tc.topicName);
    if (!queues) {
      queues = new Map();
      this.topicQueueTable.set(tc.topicName, queues);
    }
    queues.set(brokerName, {
      brokerName,
      readQueueNums: tc.readQueueNums,
      writeQueueNums: tc.writeQueueNums,
      perm: tc.perm,
      topicSysFlag: tc.topicSysFlag,
    });
  }

  private removeQueueData(topic: string, brokerName: string): void {
    const queues = this.topicQueueTable.get(topic);
    if (!queues) return;
    queues.delete(brokerName);
    if (queues.size === 0) this.topicQueueTable.delete(topic);
  }

  /**
   * WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER (mqadmin wipeWritePerm, addWritePerm):
   * clears or sets the write bit of every queue the broker serves in the routes, so producers
   * move off it (or back) while consumers drain it. It holds until the broker's topics change.
   * Returns how many topics changed.
   */
  setWritePerm(brokerName: string, writable: boolean): number {
    let changed = 0;
    for (const queues of this.topicQueueTable.values()) {
      const q = queues.get(brokerName);
      if (!q) continue;
      const perm = writable ? q.perm | 2 : q.perm & ~2;
      if (perm !== q.perm) changed++;
      q.perm = perm;
    }
    return changed;
  }

  /** Removes one broker address; the broker name goes too when it has no address left. */
  unregisterBroker(brokerAddr: string, reason: string): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    this.brokerLiveTable.delete(brokerAddr);
    for (const [brokerName, data] of this.brokerAddrTable) {
      let isMaster = false;
      for (const [id, addr] of Object.entries(data.brokerAddrs)) {
        if (addr === brokerAddr) {
          delete data.brokerAddrs[id];
          isMaster = id === '0';
        }
      }
      if (Object.keys(data.brokerAddrs).length === 0) {
        this.brokerAddrTable.delete(brokerName);
        for (const [cluster, names] of this.clusterAddrTable) {
          names.delete(brokerName);
          if (names.size === 0) this.clusterAddrTable.delete(cluster);
        }
        for (const topic of [...this.topicQueueTable.keys()])
          this.removeQueueData(topic, brokerName);
      } else if (isMaster) {
        // Without its master the broker serves no writes; RocketMQ keeps the route for slave reads.
        for (const [, queues] of this.topicQueueTable) {
          const q = queues.get(brokerName);
          if (q) q.perm = q.perm & ~2;
        }
      }
    }
    if (live)
      this.logger.info({ brokerAddr, brokerName: live.brokerName, reason }, 'Broker removed');
  }

  /** Drops brokers whose last heartbeat is older than their timeout; returns how many. */
  scanNotActiveBroker(now = Date.now()): number {
    let removed = 0;
    for (const [addr, live] of [...this.brokerLiveTable]) {
      if (live.lastUpdate + live.timeoutMillis < now) {
        this.unregisterBroker(addr, `no heartbeat for ${now - live.lastUpdate} ms`);
        removed++;
      }
    }
    return removed;
  }

  pickupTopicRouteData(topic: string): TopicRouteData | undefined {
    const queues = this.topicQueueTable.get(topic);
    if (!queues || queues.size === 0) return undefined;
    const queueDatas = [...queues.values()].sort((a, b) =>
      a.brokerName.localeCompare(b.brokerName),
    );
    const brokerDatas: BrokerData[] = [];
    for (const q of queueDatas) {
      const b = this.brokerAddrTable.get(q.brokerName);
      if (b) {
        const addrs: Record<string, string> = {};
        for (const id of Object.keys(b.brokerAddrs).sort((x, y) => Number(x) - Number(y))) {
          addrs[id] = b.brokerAddrs[id] as string;
        }
        brokerDatas.push({
          cluster: b.cluster,
          brokerName: b.brokerName,
          brokerAddrs: addrs,
          enableActingMaster: false,
        });
      }
    }
    if (brokerDatas.length === 0) return undefined;
    return { queueDatas: queueDatas.map((q) => ({ ...q })), brokerDatas, filterServerTable: {} };
  }

  getAllClusterInfo(): ClusterInfo {
    const brokerAddrTable: Record<string, BrokerData> = {};
    for (const [name, data] of this.brokerAddrTable)
      brokerAddrTable[name] = { ...data, brokerAddrs: { ...data.brokerAddrs } };
    const clusterAddrTable: Record<string, string[]> = {};
    for (const [cluster, names] of this.clusterAddrTable)
      clusterAddrTable[cluster] = [...names].sort();
    return { brokerAddrTable, clusterAddrTable };
  }

  getAllTopicList(): string[] {
    return [...this.topicQueueTable.keys()].sort();
  }

  getTopicsByCluster(cluster: string): string[] {
    const names = this.clusterAddrTable.get(cluster) ?? new Set<string>();
    return this.getAllTopicList().filter((t) =>
      [...(this.topicQueueTable.get(t)?.keys() ?? [])].some((b) => names.has(b)),
    );
  }

  /** Deletes a topic's routes (from one cluster's brokers, or everywhere). */
  deleteTopic(topic: string, cluster?: string): boolean {
    const queues = this.topicQueueTable.get(topic);
    if (!queues) return false;
    if (!cluster) {
      this.topicQueueTable.delete(topic);
      return true;
    }
    for (const name of this.clusterAddrTable.get(cluster) ?? []) queues.delete(name);
    if (queues.size === 0) this.topicQueueTable.delete(topic);
    return true;
  }

  get liveBrokerCount(): number {
    return this.brokerLiveTable.size;
  }
}
