import { AdminOperations } from './admin-operations.ts';
import { AssignmentOperations } from './assignment-operations.ts';
import { ClientOperations } from './client-operations.ts';
import type { CoreDeps } from './core-deps.ts';
import { MessageFilters } from './message-filters.ts';
import { MetadataOperations } from './metadata-operations.ts';
import { OffsetOperations } from './offset-operations.ts';
import { PopOperations } from './pop-operations.ts';
import { PullOperations } from './pull-operations.ts';
import { QueryOperations } from './query-operations.ts';
import { ReplyOperations } from './reply-operations.ts';
import { SendOperations } from './send-operations.ts';

/** Limits a protocol adapter checks or announces before it calls an operation. */
export interface BrokerLimits {
  brokerName: string;
  defaultTopicQueueNums: number;
  maxMessageSize: number;
  timerMaxDelaySec: number;
  brokerSuspendMaxTimeMillis: number;
}

/**
 * The broker core, one object per request family: the only way into the broker for the Remoting
 * processors and the gRPC endpoint alike, so a request has the same rules on both.
 */
export interface BrokerOperations {
  readonly send: SendOperations;
  readonly reply: ReplyOperations;
  readonly pull: PullOperations;
  readonly pop: PopOperations;
  readonly assignment: AssignmentOperations;
  readonly offsets: OffsetOperations;
  readonly clients: ClientOperations;
  readonly admin: AdminOperations;
  readonly metadata: MetadataOperations;
  readonly query: QueryOperations;
  readonly limits: BrokerLimits;
}

export function createBrokerOperations(deps: CoreDeps): BrokerOperations {
  // `deps` is shared, not copied: the store host in it is set once the server listens.
  const filters = new MessageFilters(deps.config.enablePropertyFilter);
  return {
    send: new SendOperations(deps),
    reply: new ReplyOperations(deps),
    pull: new PullOperations(deps, filters),
    pop: new PopOperations(deps, filters),
    assignment: new AssignmentOperations(deps),
    offsets: new OffsetOperations(deps),
    clients: new ClientOperations(deps, filters),
    admin: new AdminOperations(deps),
    metadata: new MetadataOperations(deps),
    query: new QueryOperations(deps),
    limits: Object.freeze({
      brokerName: deps.config.brokerName,
      defaultTopicQueueNums: deps.config.defaultTopicQueueNums,
      maxMessageSize: deps.store.config.maxMessageSize,
      timerMaxDelaySec: deps.store.config.timerMaxDelaySec,
      brokerSuspendMaxTimeMillis: deps.config.brokerSuspendMaxTimeMillis,
    }),
  };
}
