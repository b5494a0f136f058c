/** TopicConfig as RocketMQ serializes it (topics.json, REGISTER_BROKER bodies). */
export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: string;
  topicSysFlag: number;
  order: boolean;
  attributes: Record<string, string>;
}

export interface DataVersion {
  timestamp: number;
  counter: number;
  stateVersion?: number;
}

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** Broker id ("0" = master) to address. */
  brokerAddrs: Record<string, string>;
  enableActingMaster?: boolean;
}

/** GET_ROUTEINFO_BY_TOPIC body, field order as clients compare it. */
export interface TopicRouteData {
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  filterServerTable: Record<string, string[]>;
}

export interface ClusterInfo {
  brokerAddrTable: Record<string, BrokerData>;
  clusterAddrTable: Record<string, string[]>;
}

/** REGISTER_BROKER body (uncompressed JSON form). */
export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: {
    topicConfigTable: Record<string, TopicConfig>;
    dataVersion: DataVersion;
  };
  filterServerList: string[];
}

export function newTopicConfig(
  topicName: string,
  queues: number,
  perm = 6,
  extra: Partial<TopicConfig> = {},
): TopicConfig {
  return {
    topicName,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
    attributes: {},
    ...extra,
  };
}
