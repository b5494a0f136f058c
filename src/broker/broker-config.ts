import { hostname, networkInterfaces } from 'node:os';
import { ROCKETMQ_BROKER_KEYS } from '../common/config/rocketmq-config-keys.ts';
import {
  resolveConfig,
  unknownKeyError,
  type ConfigLayer,
  type ConfigOf,
  type ResolveOptions,
} from '../common/config/config-schema.ts';
import { resolveStoreConfig, storeConfigSchema, type StoreConfig } from '../store/store-config.ts';
import { RmqError } from '../common/errors/rmq-error.ts';
import { DEFAULT_MESSAGE_DELAY_LEVEL } from '../common/constants/delay-levels.ts';

/** BrokerConfig keys with RocketMQ's spellings; store keys live in store-config.ts. */
export const brokerConfigSchema = {
  brokerClusterName: {
    type: 'string',
    default: 'DefaultCluster',
    doc: 'Cluster this broker belongs to.',
  },
  brokerName: {
    type: 'string',
    default: '',
    doc: 'Broker group name (master and slaves share it); empty means the host name.',
  },
  brokerId: {
    type: 'int',
    default: 0,
    min: -1,
    doc: '0 for the master; slaves are 1 and up; -1 in controller mode (enableControllerMode), where the controller assigns it.',
  },
  namesrvAddr: { type: 'string', default: '', doc: 'Name servers, "host:port;host:port".' },
  brokerIP1: {
    type: 'string',
    default: '',
    doc: 'Address announced to clients; empty means the first non-loopback IPv4.',
  },
  listenPort: {
    type: 'int',
    default: 10911,
    min: 0,
    max: 65535,
    doc: 'Remoting port (0 = any free port). The VIP channel, the same service, listens on listenPort - 2 (as RocketMQ: Java clients up to 4.4 send there by default) unless fastChannelEnable=false or listenPort is 0.',
  },
  fastChannelEnable: {
    type: 'bool',
    default: true,
    doc: 'Serve the VIP channel on listenPort - 2.',
  },
  enableGrpc: {
    type: 'bool',
    default: true,
    doc: 'Serve the RocketMQ 5 gRPC MessagingService (the official 5.x SDKs) from the broker process.',
  },
  grpcServerPort: {
    type: 'int',
    default: 8081,
    min: 0,
    max: 65535,
    doc: 'gRPC port (0 = any free port).',
  },
  grpcTlsCertPath: {
    type: 'string',
    default: '',
    doc: 'PEM certificate chain for gRPC over TLS; with grpcTlsKeyPath, the gRPC port takes TLS and plaintext clients alike.',
  },
  grpcTlsKeyPath: {
    type: 'string',
    default: '',
    doc: 'PEM private key for gRPC over TLS.',
  },
  bindAddress: {
    type: 'string',
    default: '0.0.0.0',
    doc: 'Address the Remoting server listens on.',
  },
  brokerRole: {
    type: 'enum',
    values: ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'],
    default: 'ASYNC_MASTER',
    doc: "ASYNC_MASTER acknowledges a send once stored; SYNC_MASTER once a slave has it too (FLUSH_SLAVE_TIMEOUT after syncFlushTimeout, SLAVE_NOT_AVAILABLE without a slave in sync); SLAVE (brokerId > 0) copies its master's CommitLog over the HA channel and refuses sends.",
  },
  haListenPort: {
    type: 'int',
    default: 0,
    min: 0,
    max: 65535,
    doc: "Port of the HA channel slaves replicate from (RocketMQ's classic HA protocol); 0 means listenPort + 1, or any free port when listenPort is 0.",
  },
  haMasterAddress: {
    type: 'string',
    default: '',
    doc: "A slave's master HA address, host:port; empty means the one the name server names for the broker group.",
  },
  haSendHeartbeatInterval: {
    type: 'int',
    default: 5000,
    min: 10,
    doc: "Milliseconds between a slave's offset reports, and between a master's heartbeat frames, when idle.",
  },
  haHousekeepingInterval: {
    type: 'int',
    default: 20000,
    min: 100,
    doc: 'An HA connection silent this many milliseconds is closed (and a slave reconnects).',
  },
  haTransferBatchSize: {
    type: 'int',
    default: 32768,
    min: 1024,
    doc: 'Most CommitLog bytes in one frame from a master to a slave.',
  },
  slaveReadEnable: {
    type: 'bool',
    default: false,
    doc: "Pulls may be served by slaves: a master tells a consumer whose backlog is cold (accessMessageInMemoryMaxRatio) to read from the group's whichBrokerWhenConsumeSlowly (1), and a slave sends it back to the group's brokerId (0) once it caught up. Off: every pull answer names the master.",
  },
  slaveSynchronizeInterval: {
    type: 'int',
    default: 10000,
    min: 100,
    doc: "Milliseconds between a slave's copies of its master's topics, subscription groups, consumer offsets and delay offsets (also copied at once when the master becomes known).",
  },
  haMaxGapNotInSync: {
    type: 'int',
    default: 268435456,
    min: 0,
    doc: 'A SYNC_MASTER whose slave is more bytes behind than this answers SLAVE_NOT_AVAILABLE instead of waiting.',
  },
  brokerPermission: {
    type: 'int',
    default: 6,
    min: 0,
    max: 7,
    doc: 'Broker permission bits: 4 read, 2 write.',
  },
  autoCreateTopicEnable: {
    type: 'bool',
    default: true,
    doc: 'Create unknown topics on first send (from TBW102).',
  },
  autoCreateSubscriptionGroup: {
    type: 'bool',
    default: true,
    doc: 'Create unknown consumer groups on first use.',
  },
  defaultTopicQueueNums: {
    type: 'int',
    default: 4,
    min: 1,
    max: 1024,
    doc: 'Queues of an auto-created topic.',
  },
  longPollingEnable: {
    type: 'bool',
    default: true,
    doc: 'Hold pulls until a message arrives or they time out.',
  },
  shortPollingTimeMills: {
    type: 'int',
    default: 1000,
    min: 0,
    doc: 'Hold time of a pull when long polling is off.',
  },
  brokerSuspendMaxTimeMillis: {
    type: 'int',
    default: 15000,
    min: 0,
    doc: 'Longest a pull is held, whatever the client asks.',
  },
  registerNameServerPeriod: {
    type: 'int',
    default: 30000,
    min: 1000,
    doc: 'ms between registrations with the name servers.',
  },
  channelExpiredTimeout: {
    type: 'int',
    default: 120000,
    min: 1000,
    doc: 'ms without a heartbeat after which a client is dropped.',
  },
  flushConsumerOffsetInterval: {
    type: 'int',
    default: 5000,
    min: 100,
    doc: 'ms between writes of consumerOffset.json.',
  },
  maxTransferBytesOnMessageInMemory: {
    type: 'int',
    default: 262144,
    min: 1,
    doc: 'Most bytes one pull returns.',
  },
  maxTransferCountOnMessageInMemory: {
    type: 'int',
    default: 32,
    min: 1,
    doc: 'Most messages one pull returns.',
  },
  transactionTimeOut: {
    type: 'int',
    default: 6000,
    min: 0,
    doc: 'ms a half message waits for its outcome before the broker asks the producer (check-back).',
  },
  transactionCheckInterval: {
    type: 'int',
    default: 30000,
    min: 10,
    doc: 'ms between transaction check-back scans.',
  },
  transactionCheckMax: {
    type: 'int',
    default: 15,
    min: 1,
    doc: 'Check-backs before an unresolved half message goes to TRANS_CHECK_MAX_TIME_TOPIC.',
  },
  enablePropertyFilter: {
    type: 'bool',
    default: false,
    doc: 'Allow SQL92 subscriptions (evaluated on the broker against message properties).',
  },
  messageDelayLevel: {
    type: 'string',
    default: DEFAULT_MESSAGE_DELAY_LEVEL,
    pattern: /^\s*\d+(ms|s|m|h|d)(\s+\d+(ms|s|m|h|d))*\s*$/,
    doc: 'Delay of each level (DELAY property, retries), space separated; units ms, s, m, h, d.',
  },
  defaultQueryMaxNum: {
    type: 'int',
    default: 32,
    min: 1,
    doc: 'Most messages a key query returns.',
  },
  clientChannelMaxIdleTimeSeconds: {
    type: 'int',
    default: 120,
    min: 1,
    doc: 'Idle connections are closed after this.',
  },
  frameMaxLength: {
    type: 'int',
    default: 16 * 1024 * 1024,
    min: 1024,
    doc: 'Largest Remoting frame accepted.',
  },
  sendMessageThreadPoolNums: {
    type: 'int',
    default: 4,
    supported: false,
    doc: 'Accepted and ignored (one event loop).',
  },
  pullMessageThreadPoolNums: {
    type: 'int',
    default: 16,
    supported: false,
    doc: 'Accepted and ignored (one event loop).',
  },
  defaultMessageRequestMode: {
    type: 'string',
    default: 'PULL',
    doc: 'PULL or POP: how a RocketMQ 5 push consumer that lets the broker assign its queues (QUERY_ASSIGNMENT) reads a topic with no mode set by mqadmin setConsumeMode.',
  },
  defaultPopShareQueueNum: {
    type: 'int',
    default: -1,
    min: -1,
    doc: "In POP mode, how many other clients' queues each client also pops; -1 shares them all.",
  },
  storeReplyMessageEnable: {
    type: 'bool',
    default: true,
    doc: 'Also store replies (request/reply) in <cluster>_REPLY_TOPIC after pushing them to the requester.',
  },
  traceTopicEnable: {
    type: 'bool',
    default: false,
    doc: 'Create the message trace topic (msgTraceTopicName) at start, so clients with enableMsgTrace can write their trace records.',
  },
  msgTraceTopicName: {
    type: 'string',
    default: 'RMQ_SYS_TRACE_TOPIC',
    doc: 'The message trace topic created when traceTopicEnable.',
  },
  aclEnable: { type: 'bool', default: false, supported: false, doc: 'Accepted and ignored.' },
  rocketmqHome: { type: 'string', default: '', supported: false, doc: 'Accepted and ignored.' },
} as const;

export type BrokerConfig = ConfigOf<typeof brokerConfigSchema>;

/**
 * Splits one set of layers (a broker.properties file, flags) into broker and store configs; a key
 * in neither schema fails with a suggestion from both.
 */
export function resolveBrokerConfigs(
  layers: readonly ConfigLayer[],
  options: ResolveOptions = {},
): { broker: BrokerConfig; store: StoreConfig } {
  const brokerLayers: Record<string, unknown>[] = [];
  const storeLayers: Record<string, unknown>[] = [];
  const all = [...Object.keys(brokerConfigSchema), ...Object.keys(storeConfigSchema)];
  for (const layer of layers) {
    const b: Record<string, unknown> = {};
    const s: Record<string, unknown> = {};
    const entries: [string, unknown][] =
      layer instanceof Map
        ? [...(layer as ReadonlyMap<string, unknown>)]
        : Object.entries(layer as Record<string, unknown>);
    for (const [k, v] of entries) {
      if (k in brokerConfigSchema) b[k] = v;
      else if (k in storeConfigSchema) s[k] = v;
      else if (ROCKETMQ_BROKER_KEYS.has(k)) options.onIgnoredKey?.(k);
      else throw unknownKeyError(k, all, { ...options, foreignKeys: ROCKETMQ_BROKER_KEYS });
    }
    brokerLayers.push(b);
    storeLayers.push(s);
  }
  const probe = resolveConfig(
    brokerConfigSchema,
    brokerLayers,
    options.source ? { source: options.source } : {},
  );
  const named = probe.brokerName === '' ? [{ brokerName: hostname() || 'broker-a' }] : [];
  const broker = resolveConfig(brokerConfigSchema, [...brokerLayers, ...named], options);
  checkRole(broker);
  return { broker, store: resolveStoreConfig(storeLayers, options) };
}

/** Masters are brokerId 0 and slaves 1 and up, as RocketMQ's broker groups number them. */
function checkRole(config: BrokerConfig): void {
  const slave = config.brokerRole === 'SLAVE';
  // -1: controller mode, where the controller assigns the id and the role.
  if (config.brokerId === -1 || (slave ? config.brokerId > 0 : config.brokerId === 0)) return;
  throw new RmqError(
    'CONFIG_INVALID_VALUE',
    slave
      ? `Invalid value for "brokerId": a slave (brokerRole=SLAVE) needs brokerId 1 or above, got "${config.brokerId}"`
      : `Invalid value for "brokerId": a master (brokerRole=${config.brokerRole}) is brokerId 0, got "${config.brokerId}"; set brokerRole=SLAVE for a slave`,
  );
}

/** The address clients reach this broker at: brokerIP1, else the first non-internal IPv4. */
export function announcedHost(config: BrokerConfig): string {
  if (config.brokerIP1) return config.brokerIP1;
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) if (nic.family === 'IPv4' && !nic.internal) return nic.address;
  }
  return '127.0.0.1';
}
