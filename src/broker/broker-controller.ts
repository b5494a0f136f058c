import { pino, type Logger } from 'pino';
import { encodeSocketAddress } from '../common/message/socket-address.ts';
import { newTopicConfig } from '../common/protocol-data/route-data.ts';
import { PermName } from '../common/constants/perm-name.ts';
import { SystemTopic } from '../common/constants/topic-validator.ts';
import { RemotingServer } from '../remoting/transport/remoting-server.ts';
import { RemotingClient } from '../remoting/transport/remoting-client.ts';
import { MessageStore, type StoreLock } from '../store/message-store.ts';
import type { StoreConfig } from '../store/store-config.ts';
import { announcedHost, type BrokerConfig } from './broker-config.ts';
import { createBrokerOperations, type BrokerOperations } from './operations/broker-operations.ts';
import { RuntimeStats } from './services/runtime-stats.ts';
import { MessageRequestModeManager } from './managers/message-request-mode-manager.ts';
import { registerAssignmentProcessor } from './processors/assignment-processor.ts';
import { replyTopic } from './operations/reply-operations.ts';
import type { CoreDeps } from './operations/core-deps.ts';
import { TopicConfigManager } from './managers/topic-config-manager.ts';
import { SubscriptionGroupManager } from './managers/subscription-group-manager.ts';
import { ConsumerOffsetManager } from './managers/consumer-offset-manager.ts';
import { ConsumerManager } from './managers/consumer-manager.ts';
import { ProducerManager } from './managers/producer-manager.ts';
import { PullRequestHoldService } from './services/pull-request-hold-service.ts';
import { NamesrvRegistrationService } from './services/namesrv-registration-service.ts';
import { ScheduleMessageService } from './services/schedule-message-service.ts';
import { TransactionService } from './services/transaction-service.ts';
import { TimerMessageService } from './services/timer-message-service.ts';
import { PopService } from './services/pop-service.ts';
import { registerPopMessageProcessor } from './processors/pop-message-processor.ts';
import { registerEndTransactionProcessor } from './processors/end-transaction-processor.ts';
import { registerSendMessageProcessor } from './processors/send-message-processor.ts';
import { registerPullMessageProcessor } from './processors/pull-message-processor.ts';
import { registerClientManageProcessor } from './processors/client-manage-processor.ts';
import { registerConsumerManageProcessor } from './processors/consumer-manage-processor.ts';
import { registerQueryMessageProcessor } from './processors/query-message-processor.ts';
import { registerAdminBrokerProcessor } from './processors/admin-broker-processor.ts';
import { registerAdminMetadataProcessor } from './processors/admin-metadata-processor.ts';
import { registerQueueLockProcessor } from './processors/queue-lock-processor.ts';
import { RebalanceLockManager } from './managers/rebalance-lock-manager.ts';
import type { BrokerCluster } from './operations/broker-gateway.ts';
import { RemotingBrokerCluster, storeAddrOf } from './cluster/remoting-broker-cluster.ts';
import { HAService } from './ha/ha-service.ts';
import { HAClient } from './ha/ha-client.ts';
import { SlaveSynchronize } from './ha/slave-synchronize.ts';
import type { HARuntimeInfo } from '../common/protocol-data/ha-runtime-info.ts';

const CLIENT_SCAN_INTERVAL_MS = 10000;

/** One broker: store, managers, services and the Remoting server, started and stopped together. */
export class BrokerController {
  readonly config: BrokerConfig;
  readonly store: MessageStore;
  /** The protocol-neutral operations: the way in for the Remoting processors and the gRPC endpoint. */
  readonly operations: BrokerOperations;
  private readonly logger: Logger;
  private readonly server: RemotingServer;
  /** The VIP channel on listenPort - 2, when served. */
  private readonly fastServer: RemotingServer | undefined;
  private readonly client: RemotingClient;
  /**
   * The store, tables and services the operations run over. For the composition and for tests
   * that inspect state; protocol adapters get `operations`, never this.
   */
  readonly internals: CoreDeps;
  private readonly registration: NamesrvRegistrationService;
  private timers: NodeJS.Timeout[] = [];
  private host = '127.0.0.1';
  private readonly schedule: ScheduleMessageService;
  /** Timer message delivery (and recall, for the gRPC endpoint). */
  readonly timer: TimerMessageService;
  private readonly transactions: TransactionService;
  readonly locks = new RebalanceLockManager();
  /** The cluster's brokers as the gRPC endpoint reaches them: this one directly, the others over Remoting. */
  readonly cluster: BrokerCluster;
  /** A master's HA channel, which its slaves replicate from. */
  readonly ha: HAService | undefined;
  /** A slave's connection to its master's HA channel. */
  readonly haClient: HAClient | undefined;
  /** A slave's copy of its master's metadata. */
  readonly slaveSync: SlaveSynchronize | undefined;
  /** Schedule, timer, transaction and POP revive run on a master only: a slave's store is a copy. */
  private masterServicesStarted = false;

  /** `storeLock`: the store folder's lock when taken before the broker is built (lockStore). */
  constructor(
    config: BrokerConfig,
    storeConfig: StoreConfig,
    logger?: Logger,
    storeLock?: StoreLock,
  ) {
    this.config = config;
    this.logger = (logger ?? pino({ level: 'silent' })).child({
      component: 'broker',
      brokerName: config.brokerName,
    });
    const hold = new PullRequestHoldService();
    this.store = new MessageStore({
      config: storeConfig,
      logger: this.logger,
      ...(storeLock ? { lock: storeLock } : {}),
      onMessageArrived: (topic, queueId, maxOffset) => {
        hold.notifyMessageArriving(topic, queueId, maxOffset);
        // A slave copying records of a topic it has no config for: the master has a new topic.
        if (this.slaveSync && !this.internals.topics.get(topic)) void this.slaveSync.syncAll();
        if (topic === SystemTopic.SCHEDULE_TOPIC) this.schedule.wake(queueId + 1);
        this.internals.pop.notifyMessageArriving(topic);
      },
    });
    const root = storeConfig.storePathRootDir;
    const consumers = new ConsumerManager(this.logger, (group) =>
      this.notifyConsumerIdsChanged(group),
    );
    const producers = new ProducerManager();
    this.transactions = new TransactionService(
      this.store,
      producers,
      config,
      () => this.internals.storeHost,
      this.logger,
    );
    const offsets = new ConsumerOffsetManager(root);
    const pop = new PopService({
      store: this.store,
      offsets,
      storeRoot: root,
      reviveTopic: `rmq_sys_REVIVE_LOG_${config.brokerClusterName}`,
      storeHost: () => this.internals.storeHost,
      ensureTopic: (topic) => {
        if (this.internals.topics.createSystemGroupTopic(topic).created)
          void this.registration.registerAll();
      },
      logger: this.logger.child({ component: 'pop' }),
    });
    this.internals = {
      config,
      store: this.store,
      topics: new TopicConfigManager(root),
      groups: new SubscriptionGroupManager(root),
      offsets,
      pop,
      consumers,
      producers,
      transactions: this.transactions,
      stats: new RuntimeStats(),
      requestModes: new MessageRequestModeManager(root),
      delayOffsets: () => this.schedule.offsetsSnapshot(),
      recallTimer: (uniqKey, deliverMs) => this.timer.recall(uniqKey, deliverMs),
      clusterQueues: (topic) => this.cluster.route(topic),
      haRuntimeInfo: () => this.haRuntimeInfo(),
      hold,
      storeHost: encodeSocketAddress('127.0.0.1', config.listenPort),
      logger: this.logger,
      onTopicsChanged: () => this.registration.registerFresh(),
    };
    this.operations = createBrokerOperations(this.internals);
    this.schedule = new ScheduleMessageService(
      this.store,
      this.operations.send.delayLevels,
      root,
      this.logger,
    );
    this.timer = new TimerMessageService(this.store, root, this.logger);
    const remotingServer = (port: number): RemotingServer =>
      new RemotingServer({
        port,
        host: config.bindAddress,
        maxFrameBytes: config.frameMaxLength,
        idleTimeoutMs: config.clientChannelMaxIdleTimeSeconds * 1000,
        logger: this.logger,
      });
    this.server = remotingServer(config.listenPort);
    this.registerProcessors(this.server);
    // The VIP ("fast") channel: the same service on listenPort - 2, as RocketMQ's broker has it.
    if (config.fastChannelEnable && config.listenPort > 2) {
      this.fastServer = remotingServer(config.listenPort - 2);
      this.registerProcessors(this.fastServer);
    }
    this.client = new RemotingClient({ logger: this.logger });
    const haLogger = this.logger.child({ component: 'ha' });
    if (config.brokerRole === 'SLAVE') {
      this.haClient = new HAClient({
        store: this.store,
        heartbeatIntervalMs: config.haSendHeartbeatInterval,
        housekeepingIntervalMs: config.haHousekeepingInterval,
        logger: haLogger,
      });
      this.slaveSync = new SlaveSynchronize({
        client: this.client,
        intervalMs: config.slaveSynchronizeInterval,
        logger: haLogger,
        sink: {
          replaceTopics: (configs, version) => this.internals.topics.replaceAll(configs, version),
          replaceGroups: (configs, version) => this.internals.groups.replaceAll(configs, version),
          putConsumerOffsets: (table) => this.internals.offsets.putAll(table),
          replaceDelayOffsets: (table) => this.schedule.replaceOffsets(table),
        },
      });
    } else {
      this.ha = new HAService({
        store: this.store,
        port: config.haListenPort || (config.listenPort === 0 ? 0 : config.listenPort + 1),
        host: config.bindAddress,
        transferBatchSize: config.haTransferBatchSize,
        heartbeatIntervalMs: config.haSendHeartbeatInterval,
        housekeepingIntervalMs: config.haHousekeepingInterval,
        maxGapNotInSync: config.haMaxGapNotInSync,
        logger: haLogger,
      });
    }
    this.registration = this.nameServerRegistration();
    this.cluster = new RemotingBrokerCluster({
      operations: this.operations,
      namesrvAddr: config.namesrvAddr,
      storeAddr: () => storeAddrOf(this.internals.storeHost),
      producers,
      logger: this.logger.child({ component: 'cluster' }),
    });
  }

  /** Every Remoting request family, each adapted onto the operations. */
  private registerProcessors(server: RemotingServer): void {
    registerSendMessageProcessor(server, this.operations);
    registerPullMessageProcessor(server, this.operations);
    registerClientManageProcessor(server, this.operations);
    registerConsumerManageProcessor(server, this.operations);
    registerQueryMessageProcessor(server, this.operations);
    registerAdminBrokerProcessor(server, this.operations);
    registerAdminMetadataProcessor(server, this.operations);
    registerQueueLockProcessor(server, this.locks);
    registerEndTransactionProcessor(server, this.operations);
    registerPopMessageProcessor(server, this.operations);
    registerAssignmentProcessor(server, this.operations);
  }

  /** Registration with every name server: now, on topic changes, and every registerNameServerPeriod. */
  private nameServerRegistration(): NamesrvRegistrationService {
    const { config } = this;
    return new NamesrvRegistrationService({
      client: this.client,
      namesrvAddr: config.namesrvAddr,
      periodMs: config.registerNameServerPeriod,
      logger: this.logger,
      info: () => ({
        clusterName: config.brokerClusterName,
        brokerName: config.brokerName,
        brokerId: config.brokerId,
        brokerAddr: this.brokerAddr,
        haServerAddr: `${this.host}:${this.ha ? this.ha.port : this.port + 1}`,
        heartbeatTimeoutMillis: 120000,
      }),
      onRegistered: (master) => {
        // A slave without haMasterAddress replicates from the master the name server names.
        if (this.haClient && !config.haMasterAddress && master.haServerAddr)
          this.haClient.setMasterAddress(master.haServerAddr);
        this.slaveSync?.setMasterAddr(master.masterAddr);
      },
      body: () => ({
        topicConfigSerializeWrapper: {
          // A broker made read-only (or write-only) announces every topic so (brokerPermission).
          topicConfigTable: Object.fromEntries(
            this.internals.topics.all().map((t) => [
              t.topicName,
              {
                ...t,
                perm: t.perm & (this.internals.config.brokerPermission | PermName.PERM_INHERIT),
              },
            ]),
          ),
          dataVersion: this.internals.topics.version,
        },
        filterServerList: [],
      }),
    });
  }

  /**
   * Takes the lock of a broker's store folder before anything opens a port, so that a held store
   * fails a process before its name server or broker listens. Throws STORE_LOCKED naming the holder.
   */
  static lockStore(storeConfig: StoreConfig): StoreLock {
    return MessageStore.lockFolder(storeConfig);
  }

  get port(): number {
    return this.server.port;
  }

  /** The address clients and name servers see, `host:port`. */
  get brokerAddr(): string {
    return `${this.host}:${this.port}`;
  }

  async start(): Promise<void> {
    const { config, internals: deps } = this;
    await this.store.start();
    const queues = config.defaultTopicQueueNums;
    deps.topics.load([
      newTopicConfig(
        SystemTopic.AUTO_CREATE_TOPIC_KEY,
        queues,
        PermName.PERM_INHERIT | PermName.PERM_READ | PermName.PERM_WRITE,
      ),
      newTopicConfig(SystemTopic.SELF_TEST, 1),
      newTopicConfig(
        config.brokerClusterName,
        16,
        PermName.PERM_INHERIT | (config.brokerPermission & 6),
      ),
      newTopicConfig(config.brokerName, 1, PermName.PERM_INHERIT | (config.brokerPermission & 6)),
      // Where consumers send replies to requests (request/reply), as RocketMQ creates it.
      newTopicConfig(replyTopic(config.brokerClusterName), 1),
      // Trace records of clients with enableMsgTrace (RocketMQ: 1 queue, created when enabled).
      ...(config.traceTopicEnable ? [newTopicConfig(config.msgTraceTopicName, 1)] : []),
    ]);
    deps.groups.load();
    deps.offsets.load();
    deps.requestModes.load();
    deps.stats.start();
    if (this.haClient) this.store.setSlave(true);
    else {
      deps.pop.start();
      this.schedule.start();
      this.timer.start();
      this.transactions.start();
      this.masterServicesStarted = true;
    }
    if (config.brokerRole === 'SYNC_MASTER') this.store.setReplicaAck(this.ha);
    await this.ha?.start();
    if (this.haClient) {
      if (config.haMasterAddress) this.haClient.setMasterAddress(config.haMasterAddress);
      this.haClient.start();
      this.slaveSync?.start();
    }
    await this.server.start();
    await this.fastServer?.start();
    this.host =
      config.brokerIP1 ||
      (config.bindAddress === '0.0.0.0' ? announcedHost(config) : config.bindAddress);
    deps.storeHost = encodeSocketAddress(this.host, this.port);
    this.timers.push(
      setInterval(() => deps.offsets.persist(), config.flushConsumerOffsetInterval),
      setInterval(() => {
        deps.consumers.scanExpired(config.channelExpiredTimeout);
        deps.producers.scanExpired(config.channelExpiredTimeout);
      }, CLIENT_SCAN_INTERVAL_MS),
    );
    await this.registration.start();
    this.logger.info(
      { addr: this.brokerAddr, namesrv: this.registration.nameServers },
      'Broker started',
    );
  }

  /** Replication as GET_BROKER_HA_STATUS reports it. */
  private haRuntimeInfo(): HARuntimeInfo {
    const slaves = this.ha?.slaves() ?? [];
    return {
      master: !this.haClient,
      masterCommitLogMaxOffset: this.haClient ? 0 : this.store.getMaxPhyOffset(),
      inSyncSlaveNums: slaves.filter((s) => s.inSync).length,
      haConnectionInfo: slaves,
      haClientRuntimeInfo: this.haClient?.runtimeInfo() ?? {
        masterAddr: '',
        transferredByteInSecond: 0,
        maxOffset: 0,
        lastReadTimestamp: 0,
        lastWriteTimestamp: 0,
        masterFlushOffset: 0,
        isActivated: false,
      },
    };
  }

  private notifyConsumerIdsChanged(group: string): void {
    const info = this.internals.consumers.get(group);
    if (!info || this.internals.groups.get(group)?.notifyConsumerIdsChangedEnable === false) return;
    for (const conn of info.channels.keys()) conn.notifyConsumerIdsChanged(group);
  }

  async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.registration.shutdown();
    this.internals.hold.shutdown();
    this.internals.pop.releaseWaiters();
    await this.server.shutdown();
    await this.fastServer?.shutdown();
    await this.client.shutdown();
    await this.cluster.shutdown();
    this.haClient?.shutdown();
    this.slaveSync?.shutdown();
    await this.ha?.shutdown();
    if (this.masterServicesStarted) {
      this.masterServicesStarted = false;
      this.schedule.shutdown();
      await this.timer.shutdown();
      this.transactions.shutdown();
      this.internals.pop.shutdown();
    }
    this.internals.stats.stop();
    this.internals.offsets.persist(true);
    await this.store.shutdown();
    this.logger.info('Broker stopped');
  }
}
