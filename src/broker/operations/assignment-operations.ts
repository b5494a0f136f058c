import { retryTopic, RETRY_GROUP_TOPIC_PREFIX } from '../../common/constants/topic-validator.ts';
import type {
  MessageRequestMode,
  MessageRequestModeEntry,
} from '../managers/message-request-mode-manager.ts';
import { isReadable } from '../../common/constants/perm-name.ts';
import type { CoreDeps } from './core-deps.ts';

export type { MessageRequestModeEntry } from '../managers/message-request-mode-manager.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

export interface QueueAssignment {
  brokerName: string;
  queueId: number;
  mode: MessageRequestMode;
}

interface BrokerQueue {
  brokerName: string;
  queueId: number;
}

/** The one allocation strategy served (RocketMQ's default, AllocateMessageQueueAveragely). */
const AVERAGELY = 'AVG';

/**
 * Server-side rebalance (QUERY_ASSIGNMENT, SET_MESSAGE_REQUEST_MODE): a RocketMQ 5 push consumer
 * with clientRebalance off asks the broker for its queues and whether to PULL or POP them.
 */
export class AssignmentOperations {
  constructor(private readonly d: CoreDeps) {}

  /** SET_MESSAGE_REQUEST_MODE; a retry topic always stays PULL, as on RocketMQ. */
  setRequestMode(entry: MessageRequestModeEntry): Outcome {
    if (entry.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX))
      return fail(OperationStatus.NO_PERMISSION, 'retry topic is not allowed to set mode');
    if (entry.mode !== 'PULL' && entry.mode !== 'POP')
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `the mode ${String(entry.mode)} is not PULL or POP`,
      );
    this.d.requestModes.set(entry);
    return { status: OperationStatus.SUCCESS };
  }

  /**
   * QUERY_ASSIGNMENT: the topic's readable queues on every broker of the cluster (the name
   * servers' route, as RocketMQ's broker reads it) for one client of the group. BROADCASTING
   * gets them all; CLUSTERING splits them averagely over the group's clients (sorted, as the
   * client's own strategy does), or shares them among POP clients by popShareQueueNum.
   */
  async queryAssignment(input: {
    topic: string;
    group: string;
    clientId: string;
    messageModel: string;
    strategyName: string;
  }): Promise<Outcome & { assignments?: QueueAssignment[] }> {
    const all: BrokerQueue[] = [];
    for (const b of await this.d.clusterQueues(input.topic))
      if (isReadable(b.perm))
        for (let queueId = 0; queueId < b.readQueueNums; queueId++)
          all.push({ brokerName: b.brokerName, queueId });
    if (all.length === 0 && !this.d.topics.get(input.topic))
      return fail(
        OperationStatus.TOPIC_NOT_EXIST,
        `QueryLoad: no assignment for group[${input.group}], the topic[${input.topic}] does not exist.`,
      );
    const entry = this.d.requestModes.get(input.topic, input.group);
    const mode: MessageRequestMode =
      input.topic === retryTopic(input.group) ? 'PULL' : (entry?.mode ?? this.defaultMode());
    const share = entry?.popShareQueueNum ?? this.d.config.defaultPopShareQueueNum;
    const pick = (queues: BrokerQueue[]) => ({
      status: OperationStatus.SUCCESS,
      assignments: queues.map((q) => ({ ...q, mode })),
    });
    if (input.messageModel === 'BROADCASTING') return pick(all);
    if (input.strategyName !== AVERAGELY && input.strategyName !== '')
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `QueryLoad: unsupported strategy [${input.strategyName}]: this broker allocates ${AVERAGELY} only`,
      );
    const clients = [...this.d.consumers.clientIds(input.group)].sort();
    if (!clients.includes(input.clientId)) {
      clients.push(input.clientId);
      clients.sort();
    }
    const index = clients.indexOf(input.clientId);
    if (mode === 'POP') {
      // Every client POPs its own share and the next popShareQueueNum clients' shares.
      if (share < 0 || share >= clients.length - 1) return pick(all);
      const mine = new Set<BrokerQueue>();
      for (let k = 0; k <= share; k++)
        for (const q of averagely(all, clients.length, (index + k) % clients.length)) mine.add(q);
      return pick(all.filter((q) => mine.has(q)));
    }
    return pick(averagely(all, clients.length, index));
  }

  private defaultMode(): MessageRequestMode {
    return this.d.config.defaultMessageRequestMode === 'POP' ? 'POP' : 'PULL';
  }
}

/** RocketMQ's AllocateMessageQueueAveragely: contiguous blocks, the first ones one longer. */
export function averagely<T>(queues: readonly T[], clients: number, index: number): T[] {
  const n = queues.length;
  if (index < 0 || clients <= 0) return [];
  const mod = n % clients;
  const size =
    n <= clients
      ? 1
      : mod > 0 && index < mod
        ? Math.floor(n / clients) + 1
        : Math.floor(n / clients);
  const start = mod > 0 && index < mod ? index * size : index * size + mod;
  const range = Math.min(size, n - start);
  const out: T[] = [];
  for (let i = 0; i < range; i++) out.push(queues[(start + i) % n] as T);
  return out;
}
