import type { Logger } from 'pino';
import type { BrokerStore } from '../../store/api.ts';
import type { BrokerConfig } from '../broker-config.ts';
import type { TopicConfigManager } from '../managers/topic-config-manager.ts';
import type { SubscriptionGroupManager } from '../managers/subscription-group-manager.ts';
import type { ConsumerOffsetManager } from '../managers/consumer-offset-manager.ts';
import type { ConsumerManager } from '../managers/consumer-manager.ts';
import type { ProducerManager } from '../managers/producer-manager.ts';
import type { PullRequestHoldService } from '../services/pull-request-hold-service.ts';
import type { TransactionService } from '../services/transaction-service.ts';
import type { PopService } from '../services/pop-service.ts';
import type { RuntimeStats } from '../services/runtime-stats.ts';
import type { MessageRequestModeManager } from '../managers/message-request-mode-manager.ts';
import type { BrokerQueues } from './broker-queues.ts';
import type { HARuntimeInfo } from '../../common/protocol-data/ha-runtime-info.ts';

/**
 * What the operations are built over: the store, the persisted tables and the background services.
 * Only the composition root (BrokerController) and the operations hold it; the protocol adapters
 * get the operations.
 */
export interface CoreDeps {
  config: BrokerConfig;
  store: BrokerStore;
  topics: TopicConfigManager;
  groups: SubscriptionGroupManager;
  offsets: ConsumerOffsetManager;
  consumers: ConsumerManager;
  producers: ProducerManager;
  hold: PullRequestHoldService;
  /** Set once the server listens (the port may be chosen then). */
  storeHost: Uint8Array;
  logger: Logger;
  /** Topic configs changed: tell the name servers now rather than at the next heartbeat. */
  onTopicsChanged: () => Promise<void>;
  /** Half messages for transactional sends. */
  transactions: TransactionService;
  /** POP consumption state. */
  pop: PopService;
  /** Put and get totals and TPS (GET_BROKER_RUNTIME_INFO). */
  stats: RuntimeStats;
  /** PULL or POP per topic and group, for server-side assignment. */
  requestModes: MessageRequestModeManager;
  /** Each delay level's progress, level -> queue offset (GET_ALL_DELAY_OFFSET). */
  delayOffsets: () => Record<string, number>;
  /** Cancels a timer message not yet due (by UNIQ_KEY); false when it is already due. */
  recallTimer: (uniqKey: string, deliverMs: number) => boolean;
  /** A topic's queues on every broker of the cluster: this one's table and the name servers' route. */
  clusterQueues: (topic: string) => Promise<BrokerQueues[]>;
  /** Replication: this master's slaves, or this slave's master (GET_BROKER_HA_STATUS). */
  haRuntimeInfo: () => HARuntimeInfo;
}
