import type { Logger } from 'pino';
import type { DataVersion, TopicConfig } from '../../common/protocol-data/route-data.ts';
import { parseJavaJson } from '../../common/protocol-data/java-json.ts';
import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import type { RemotingClient } from '../../remoting/transport/remoting-client.ts';
import type { SubscriptionGroupConfig } from '../managers/subscription-group-manager.ts';

/** Where a slave keeps the metadata it copies from its master. */
export interface SlaveMetadataSink {
  replaceTopics(configs: TopicConfig[], version: DataVersion): void;
  replaceGroups(configs: SubscriptionGroupConfig[], version: DataVersion | undefined): void;
  putConsumerOffsets(offsetTable: Record<string, Record<string, number>>): void;
  replaceDelayOffsets(offsetTable: Record<string, number>): void;
}

export interface SlaveSynchronizeOptions {
  client: RemotingClient;
  intervalMs: number;
  sink: SlaveMetadataSink;
  logger: Logger;
}

const CALL_TIMEOUT_MS = 3000;

/**
 * A slave's copy of its master's metadata (RocketMQ's SlaveSynchronize): topics, subscription
 * groups, consumer offsets and delay-level progress, read over Remoting with the codes RocketMQ's
 * slaves use (21, 201, 43, 45), at once when the master is known or changes and every
 * `slaveSynchronizeInterval`. It reads the bodies of Apache RocketMQ masters as well as ours.
 */
export class SlaveSynchronize {
  private readonly o: SlaveSynchronizeOptions;
  private masterAddr = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** When the last complete pass ended (0: none yet). */
  lastSyncTimestamp = 0;

  constructor(options: SlaveSynchronizeOptions) {
    this.o = options;
  }

  start(): void {
    this.timer = setInterval(() => void this.syncAll(), this.o.intervalMs);
  }

  /** The master's Remoting address; a new one is synchronised from at once. */
  setMasterAddr(addr: string): void {
    if (!addr || addr === this.masterAddr) return;
    this.masterAddr = addr;
    void this.syncAll();
  }

  /** One pass over every table; a pass in flight is joined. Failures are logged, never thrown. */
  syncAll(): Promise<void> {
    if (!this.masterAddr) return Promise.resolve();
    this.running ??= this.pass(this.masterAddr).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(master: string): Promise<void> {
    const { sink } = this.o;
    let ok = true;
    const step = async <T>(what: string, code: number, apply: (body: T) => void): Promise<void> => {
      try {
        apply(await this.read<T>(master, code));
      } catch (err) {
        ok = false;
        this.o.logger.warn(
          { master, err: (err as Error).message },
          `Cannot copy ${what} from the master`,
        );
      }
    };
    await step<{ topicConfigTable?: Record<string, TopicConfig>; dataVersion?: DataVersion }>(
      'topics',
      RequestCode.GET_ALL_TOPIC_CONFIG,
      (b) => {
        if (b.topicConfigTable && b.dataVersion)
          sink.replaceTopics(Object.values(b.topicConfigTable), b.dataVersion);
      },
    );
    await step<{ offsetTable?: Record<string, Record<string, number>> }>(
      'consumer offsets',
      RequestCode.GET_ALL_CONSUMER_OFFSET,
      (b) => sink.putConsumerOffsets(b.offsetTable ?? {}),
    );
    // RocketMQ's body is its delayOffset.json text: {"offsetTable":{level:offset}}.
    await step<{ offsetTable?: Record<string, number> }>(
      'delay offsets',
      RequestCode.GET_ALL_DELAY_OFFSET,
      (b) => sink.replaceDelayOffsets(b.offsetTable ?? {}),
    );
    await step<{
      subscriptionGroupTable?: Record<string, SubscriptionGroupConfig>;
      dataVersion?: DataVersion;
    }>('subscription groups', RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (b) =>
      sink.replaceGroups(Object.values(b.subscriptionGroupTable ?? {}), b.dataVersion),
    );
    if (ok) this.lastSyncTimestamp = Date.now();
  }

  private async read<T>(master: string, code: number): Promise<T> {
    const res = await this.o.client.invoke(master, createRequest(code, 0, {}), CALL_TIMEOUT_MS);
    if (res.code !== ResponseCode.SUCCESS)
      throw new Error(`code ${res.code}: ${res.remark ?? 'no remark'}`);
    return parseJavaJson(res.body?.toString('utf8') ?? '{}') as T;
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
