import { join } from 'node:path';
import type { DataVersion } from '../../common/protocol-data/route-data.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

/** SubscriptionGroupConfig as RocketMQ serializes it. */
export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  consumeMessageOrderly: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}

export function newSubscriptionGroupConfig(
  groupName: string,
  extra: Partial<SubscriptionGroupConfig> = {},
): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    consumeMessageOrderly: false,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    ...extra,
  };
}

/** Consumer group configs, persisted in `config/subscriptionGroup.json`. */
export class SubscriptionGroupManager {
  private readonly path: string;
  private readonly table = new Map<string, SubscriptionGroupConfig>();
  private dataVersion: DataVersion = { timestamp: Date.now(), counter: 0 };

  constructor(storeRoot: string) {
    this.path = join(storeRoot, 'config', 'subscriptionGroup.json');
  }

  load(): void {
    const file = readJsonFile<{
      subscriptionGroupTable?: Record<string, SubscriptionGroupConfig>;
      dataVersion?: DataVersion;
    }>(this.path);
    for (const g of Object.values(file?.subscriptionGroupTable ?? {}))
      this.table.set(g.groupName, newSubscriptionGroupConfig(g.groupName, g));
    if (file?.dataVersion) this.dataVersion = file.dataVersion;
  }

  get(group: string): SubscriptionGroupConfig | undefined {
    return this.table.get(group);
  }

  /** The group's config, created with defaults when `autoCreate` allows; undefined otherwise. */
  findOrCreate(group: string, autoCreate: boolean): SubscriptionGroupConfig | undefined {
    const existing = this.table.get(group);
    if (existing || !autoCreate) return existing;
    const created = newSubscriptionGroupConfig(group);
    this.put(created);
    return created;
  }

  put(config: SubscriptionGroupConfig): void {
    this.table.set(config.groupName, config);
    this.dataVersion = { timestamp: Date.now(), counter: this.dataVersion.counter + 1 };
    this.persist();
  }

  /** A slave takes its master's table whole (SlaveSynchronize). */
  replaceAll(configs: readonly SubscriptionGroupConfig[], version: DataVersion | undefined): void {
    this.table.clear();
    for (const g of configs)
      this.table.set(g.groupName, newSubscriptionGroupConfig(g.groupName, g));
    if (version) this.dataVersion = { ...version };
    this.persist();
  }

  delete(group: string): boolean {
    const had = this.table.delete(group);
    if (had) this.persist();
    return had;
  }

  all(): SubscriptionGroupConfig[] {
    return [...this.table.values()];
  }

  persist(): void {
    writeJsonFile(this.path, {
      subscriptionGroupTable: Object.fromEntries(this.table),
      dataVersion: this.dataVersion,
    });
  }
}
