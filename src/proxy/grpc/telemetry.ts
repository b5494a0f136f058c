import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BrokerOperations } from '../../broker/operations/broker-operations.ts';
import type { BrokerCluster } from '../../broker/operations/broker-gateway.ts';
import type { HeartbeatData } from '../../common/protocol-data/heartbeat-data.ts';
import { OK as OK_OUTCOME, type Outcome } from '../../broker/operations/outcome.ts';
import { GrpcClientConnection } from './grpc-client-connection.ts';
import {
  fromMillis,
  toMillis,
  wrapNamespace,
  type ProtoTime,
  type V2Resource,
} from './message-mapping.ts';
import { Code, status, statusOf } from './grpc-status.ts';

type Command = Record<string, unknown> & {
  settings?: Settings;
  status?: unknown;
};

interface Settings {
  clientType?: string;
  accessPoint?: unknown;
  requestTimeout?: ProtoTime;
  publishing?: { topics?: V2Resource[]; maxBodySize?: number; validateMessageType?: boolean };
  subscription?: {
    group?: V2Resource;
    subscriptions?: { topic?: V2Resource; expression?: { type?: string; expression?: string } }[];
    fifo?: boolean;
    receiveBatchSize?: number;
    longPollingTimeout?: ProtoTime;
  };
  userAgent?: { language?: string; version?: string };
  pubSub?: string;
  [key: string]: unknown;
}

/** One client's telemetry stream and what its Settings said. */
interface Session {
  clientId: string;
  clientType: string;
  stream: ServerDuplexStream<Command, Command>;
  /** Topics the client publishes to (broker names, namespace applied). */
  topics: Set<string>;
  /** The consumer group (namespace applied), for consumers. */
  group: string | undefined;
  settings: Settings;
  namespace: string;
  /** How the broker core knows this client: registered in its producer and consumer tables. */
  connection: GrpcClientConnection;
}

const RESEND_SETTINGS_MS = 1000;

/**
 * Telemetry streams (one per client and endpoint): Settings in, Settings out with the values
 * the server decides (producer back-off and body limit, push consumers' batch, polling and
 * FIFO), kept open for the client's life. Each session registers its client with the broker core
 * as Remoting heartbeats do (producers under their topics, gRPC having no producer group;
 * consumers under their group), so connection lists and transaction check-backs see it.
 */
export class TelemetrySessions {
  private readonly ops: BrokerOperations;
  private readonly cluster: BrokerCluster;
  private readonly logger: Logger;
  private readonly sessions = new Map<string, Session>();

  constructor(ops: BrokerOperations, cluster: BrokerCluster, logger: Logger) {
    this.ops = ops;
    this.cluster = cluster;
    this.logger = logger;
  }

  /** Serves one Telemetry call until the client ends it. */
  serve(
    stream: ServerDuplexStream<Command, Command>,
    clientId: string,
    namespace: string,
    peer: string,
  ): void {
    let session: Session | undefined;
    let resend: NodeJS.Timeout | undefined;
    stream.on('data', (cmd: Command) => {
      if (!cmd.settings) return; // thread stack traces, verify results: nothing to do
      if (!clientId) {
        stream.write({
          status: status(Code.CLIENT_ID_REQUIRED, 'the x-mq-client-id header is required'),
        });
        return;
      }
      const settings = cmd.settings;
      const previous = this.sessions.get(clientId);
      session = {
        clientId,
        clientType: settings.clientType ?? 'CLIENT_TYPE_UNSPECIFIED',
        stream,
        topics: new Set(
          (settings.publishing?.topics ?? []).map((t) => wrapNamespace(namespace, t.name)),
        ),
        group: settings.subscription?.group?.name
          ? wrapNamespace(namespace, settings.subscription.group.name)
          : undefined,
        settings,
        namespace,
        connection:
          previous?.stream === stream
            ? previous.connection
            : new GrpcClientConnection(stream, peer),
      };
      this.sessions.set(clientId, session);
      const registered = this.register(session);
      const reply = {
        status: statusOf(registered),
        settings: this.answer(settings, namespace),
      };
      stream.write(reply);
      // The Node client can miss the first reply while it is still fetching routes (its startup
      // then waits for the 5-minute re-sync); the same answer once more a second later is harmless.
      if (resend) clearTimeout(resend);
      resend = setTimeout(() => {
        if (!stream.writableEnded && !stream.destroyed) stream.write(reply);
      }, RESEND_SETTINGS_MS);
    });
    const close = (): void => {
      if (resend) clearTimeout(resend);
      if (session && this.sessions.get(session.clientId) === session)
        this.sessions.delete(session.clientId);
      session?.connection.markClosed();
    };
    stream.on('end', () => {
      close();
      stream.end();
    });
    stream.on('error', close);
    stream.on('cancelled', close);
  }

  /** The client's Settings with the server-decided fields filled in. */
  private answer(settings: Settings, namespace: string): Settings {
    const { limits } = this.ops;
    const out: Settings = { ...settings };
    delete out.pubSub;
    if (settings.clientType === 'PRODUCER') {
      out.backoffPolicy = {
        maxAttempts: 3,
        exponentialBackoff: { initial: fromMillis(10), max: fromMillis(1000), multiplier: 2 },
      };
      out.publishing = {
        topics: settings.publishing?.topics ?? [],
        maxBodySize: limits.maxMessageSize,
        validateMessageType: true,
      };
    } else if (settings.subscription) {
      const group = wrapNamespace(namespace, settings.subscription.group?.name ?? '');
      const groupConfig = this.ops.admin.group(group);
      const polling = toMillis(settings.subscription.longPollingTimeout) || 20000;
      out.subscription = {
        ...settings.subscription,
        fifo: groupConfig?.consumeMessageOrderly ?? false,
        receiveBatchSize: 32,
        longPollingTimeout: fromMillis(Math.min(polling, limits.brokerSuspendMaxTimeMillis)),
      };
      out.backoffPolicy = {
        maxAttempts: (groupConfig?.retryMaxTimes ?? 16) + 1,
        exponentialBackoff: { initial: fromMillis(1000), max: fromMillis(60000), multiplier: 2 },
      };
    }
    out.metric = { on: false };
    return out;
  }

  /** Registers a session's producer topics and consumer group with the core (as a heartbeat). */
  private register(session: Session): Outcome {
    const data: HeartbeatData = { clientID: session.clientId };
    if (session.clientType === 'PRODUCER')
      data.producerDataSet = [...session.topics].map((groupName) => ({ groupName }));
    else if (session.group) {
      data.consumerDataSet = [
        {
          groupName: session.group,
          consumeType:
            session.clientType === 'PUSH_CONSUMER' ? 'CONSUME_PASSIVELY' : 'CONSUME_ACTIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          subscriptionDataSet: (session.settings.subscription?.subscriptions ?? []).map((e) => ({
            topic: wrapNamespace(session.namespace, e.topic?.name ?? ''),
            subString: e.expression?.expression || '*',
            expressionType: e.expression?.type === 'SQL' ? 'SQL92' : 'TAG',
          })),
        },
      ];
    }
    const language = session.settings.userAgent?.language ?? 'UNKNOWN';
    // The other brokers of the topics learn of the client too (their checks come back this way).
    const topics =
      session.clientType === 'PRODUCER'
        ? [...session.topics]
        : (data.consumerDataSet?.[0]?.subscriptionDataSet ?? []).map((sub) => sub.topic);
    this.cluster.relayHeartbeat(data, topics);
    return this.ops.clients.heartbeat(data, session.connection, language, 0);
  }

  /** Heartbeat: the client is alive; its registration is refreshed as a Remoting heartbeat would. */
  heartbeat(clientId: string): Outcome {
    const session = this.sessions.get(clientId);
    return session ? this.register(session) : OK_OUTCOME;
  }

  /** SendMessage tells which client publishes to which topic (Settings may predate the topic). */
  notePublisher(clientId: string, topic: string): void {
    const session = this.sessions.get(clientId);
    if (!session || session.topics.has(topic)) return;
    session.topics.add(topic);
    if (session.clientType === 'PRODUCER') this.register(session);
  }

  /** NotifyClientTermination: the client leaves its groups now rather than at expiry. */
  close(clientId: string): void {
    const session = this.sessions.get(clientId);
    if (!session) return;
    this.sessions.delete(clientId);
    for (const topic of session.topics) this.ops.clients.unregister(clientId, topic);
    if (session.group) this.ops.clients.unregister(clientId, undefined, session.group);
    this.cluster.relayUnregister(clientId, [...session.topics], session.group);
    session.connection.markClosed();
  }

  shutdown(): void {
    for (const s of this.sessions.values()) if (!s.stream.writableEnded) s.stream.end();
    this.sessions.clear();
  }
}
