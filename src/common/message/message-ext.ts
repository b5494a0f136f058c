/** A message as the broker hands it to the store (RocketMQ's MessageExtBrokerInner). */
export interface MessageExtBrokerInner {
  topic: string;
  queueId: number;
  /** User flag from the send request. */
  flag: number;
  body: Uint8Array;
  /** Properties already encoded with RocketMQ's separators (see message-properties.ts). */
  propertiesString: string;
  /** Tag hash code for the ConsumeQueue unit (javaStringHash of TAGS, or a delivery time). */
  tagsCode: number;
  sysFlag: number;
  bornTimestamp: number;
  /** 8 bytes (IPv4 + port) or 20 bytes (IPv6 + port); see socket-address.ts. */
  bornHost: Uint8Array;
  storeHost: Uint8Array;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  /** Space-separated KEYS, for the IndexFile. */
  keys?: string | undefined;
  /** UNIQ_KEY, for the IndexFile. */
  uniqKey?: string | undefined;
}

/** A stored message decoded from its CommitLog record (RocketMQ's MessageExt). */
export interface MessageExt {
  storeSize: number;
  magicCode: number;
  bodyCRC: number;
  queueId: number;
  flag: number;
  queueOffset: number;
  commitLogOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: { host: string; port: number };
  storeTimestamp: number;
  storeHost: { host: string; port: number };
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Buffer;
  topic: string;
  properties: Map<string, string>;
}
