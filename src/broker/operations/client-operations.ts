import type { HeartbeatData } from '../../common/protocol-data/heartbeat-data.ts';
import { retryTopic } from '../../common/constants/topic-validator.ts';
import type { ClientConnection, ClientQuestion } from '../managers/client-connection.ts';

export type {
  ClientAnswer,
  ClientConnection,
  TransactionCheck,
} from '../managers/client-connection.ts';
import type { CoreDeps } from './core-deps.ts';
import type { MessageFilters } from './message-filters.ts';
import { fail, OK, OperationStatus, type Outcome } from './outcome.ts';

/** How long a relayed admin question waits for the client (RocketMQ waits 5 s). */
const ADMIN_RELAY_TIMEOUT_MS = 5000;

/** The client family: heartbeats register producers and consumers; unregistering drops them. */
export class ClientOperations {
  constructor(
    private readonly d: CoreDeps,
    private readonly filters: MessageFilters,
  ) {}

  /** Registers producers and consumers of a heartbeat; creates groups and retry topics they need. */
  heartbeat(
    data: HeartbeatData,
    connection: ClientConnection,
    language: string,
    version: number,
  ): Outcome {
    if (typeof data.clientID !== 'string' || data.clientID === '')
      return fail(OperationStatus.SYSTEM_ERROR, 'The heartbeat has no clientID');
    // A bad SQL92 subscription is refused here, with the parse error, before anything registers.
    for (const consumer of data.consumerDataSet ?? []) {
      for (const sub of consumer.subscriptionDataSet ?? []) {
        if (sub.expressionType !== 'SQL92') continue;
        const compiled = this.filters.sql92(sub.subString);
        if (!('matches' in compiled)) return compiled;
      }
    }
    const now = Date.now();
    const channel = { clientId: data.clientID, connection, language, version, lastUpdate: now };
    let topicsChanged = false;
    for (const consumer of data.consumerDataSet ?? []) {
      const group = this.d.groups.findOrCreate(
        consumer.groupName,
        this.d.config.autoCreateSubscriptionGroup,
      );
      if (group) {
        topicsChanged =
          this.d.topics.createSystemGroupTopic(retryTopic(consumer.groupName)).created ||
          topicsChanged;
      }
      this.d.consumers.register(consumer, channel);
    }
    for (const producer of data.producerDataSet ?? [])
      this.d.producers.register(producer.groupName, channel);
    if (topicsChanged)
      return { status: OperationStatus.SUCCESS, registered: this.d.onTopicsChanged() };
    return { status: OperationStatus.SUCCESS };
  }

  /**
   * CHECK_CLIENT_CONFIG: whether the broker can serve a subscription before the consumer starts
   * (Java consumers ask for SQL92 ones): TAG always; SQL92 when enablePropertyFilter and it parses.
   */
  checkSubscription(sub: { subString?: string; expressionType?: string } | undefined): Outcome {
    if (!sub || sub.expressionType === undefined || sub.expressionType === 'TAG') return OK;
    const filter = this.filters.filterFor(sub.subString, sub.expressionType);
    return filter && 'status' in filter ? filter : OK;
  }

  /**
   * GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY from an admin: relayed to the named
   * consumer of the group, its answer passed back as it gave it.
   */
  async askConsumer(question: ClientQuestion): Promise<Outcome & { body?: Buffer | undefined }> {
    const channel = [...(this.d.consumers.get(question.group)?.channels.values() ?? [])].find(
      (c) => c.clientId === question.clientId,
    );
    if (!channel)
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `The Consumer <${question.group}> <${question.clientId}> not online`,
      );
    const answer = await channel.connection.ask(question, ADMIN_RELAY_TIMEOUT_MS);
    return answer.ok
      ? { status: OperationStatus.SUCCESS, body: answer.body }
      : fail(OperationStatus.SYSTEM_ERROR, answer.remark ?? 'the consumer refused');
  }

  /** UNREGISTER_CLIENT: the client leaves its producer and consumer groups. */
  unregister(clientId: string, producerGroup?: string, consumerGroup?: string): Outcome {
    if (producerGroup) this.d.producers.unregister(producerGroup, clientId);
    if (consumerGroup) this.d.consumers.unregister(consumerGroup, clientId);
    return { status: OperationStatus.SUCCESS };
  }

  /** The client ids of a consumer group's live members, or the refusal when none is online. */
  consumerIds(group: string): Outcome & { ids?: string[] } {
    const ids = this.d.consumers.clientIds(group);
    if (ids.length === 0)
      return fail(OperationStatus.SYSTEM_ERROR, `no consumer for this group, ${group}`);
    return { status: OperationStatus.SUCCESS, ids };
  }
}
