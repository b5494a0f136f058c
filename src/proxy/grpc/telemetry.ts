import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BrokerOperations } from '../../broker/operations/broker-operations.ts';
import {
  fromMillis,
  toMillis,
  wrapNamespace,
  type ProtoTime,
  type V2Resource,
} from './message-mapping.ts';
import { Code, OK, status } from './grpc-status.ts';

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
    subscriptions?: unknown[];
    fifo?: boolean;
    receiveBatchSize?: number;
    longPollingTimeout?: ProtoTime;
  };
  userAgent?: unknown;
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
}

const RESEND_SETTINGS_MS = 1000;

/**
 * Telemetry streams (one per client and endpoint): Settings in, Settings out with the values
 * the server decides (producer back-off and body limit, push consumers' batch, polling and
 * FIFO), kept open for the client's life; the way back for orphaned-transaction checks.
 */
export class TelemetrySessions {
  private readonly ops: BrokerOperations;
  private readonly logger: Logger;
  private readonly sessions = new Map<string, Session>();

  constructor(ops: BrokerOperations, logger: Logger) {
    this.ops = ops;
    this.logger = logger;
  }

  /** Serves one Telemetry call until the client ends it. */
  serve(stream: ServerDuplexStream<Command, Command>, clientId: string, namespace: string): void {
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
      session = {
        clientId,
        clientType: settings.clientType ?? 'CLIENT_TYPE_UNSPECIFIED',
        stream,
        topics: new Set(
          (settings.publishing?.topics ?? []).map((t) => wrapNamespace(namespace, t.name)),
        ),
      };
      this.sessions.set(clientId, session);
      const reply = { status: OK, settings: this.answer(settings, namespace) };
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

  /** SendMessage tells which client publishes to which topic (Settings may predate the topic). */
  notePublisher(clientId: string, topic: string): void {
    this.sessions.get(clientId)?.topics.add(topic);
  }

  /** A half message needs its outcome: ask a producer of its topic. */
  recoverOrphanedTransaction(topic: string, message: unknown, transactionId: string): boolean {
    for (const s of this.sessions.values()) {
      if (s.clientType !== 'PRODUCER' || !s.topics.has(topic)) continue;
      s.stream.write({
        status: OK,
        recoverOrphanedTransactionCommand: { message, transactionId },
      });
      this.logger.debug(
        { clientId: s.clientId, topic, transactionId },
        'Orphaned transaction check sent',
      );
      return true;
    }
    return false;
  }

  close(clientId: string): void {
    this.sessions.delete(clientId);
  }

  shutdown(): void {
    for (const s of this.sessions.values()) if (!s.stream.writableEnded) s.stream.end();
    this.sessions.clear();
  }
}
