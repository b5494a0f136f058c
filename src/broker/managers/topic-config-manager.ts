import { join } from 'node:path';
import {
  newTopicConfig,
  type DataVersion,
  type TopicConfig,
} from '../../common/protocol-data/route-data.ts';
import { PermName } from '../../common/constants/perm-name.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

interface TopicsFile {
  topicConfigTable: Record<string, TopicConfig>;
  dataVersion: DataVersion;
}

/** Topic configs of this broker, persisted in `config/topics.json`. */
export class TopicConfigManager {
  private readonly path: string;
  private readonly table = new Map<string, TopicConfig>();
  private dataVersion: DataVersion = { timestamp: Date.now(), counter: 0 };

  constructor(storeRoot: string) {
    this.path = join(storeRoot, 'config', 'topics.json');
  }

  /** Loads topics.json and makes sure the system topics exist. */
  load(systemTopics: readonly TopicConfig[]): void {
    const file = readJsonFile<TopicsFile>(this.path);
    for (const tc of Object.values(file?.topicConfigTable ?? {})) this.table.set(tc.topicName, tc);
    if (file?.dataVersion) this.dataVersion = file.dataVersion;
    let added = false;
    for (const tc of systemTopics) {
      if (!this.table.has(tc.topicName)) {
        this.table.set(tc.topicName, tc);
        added = true;
      }
    }
    if (added) this.changed();
  }

  get(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  all(): TopicConfig[] {
    return [...this.table.values()];
  }

  get version(): DataVersion {
    return { ...this.dataVersion };
  }

  /** Creates or replaces a topic config; returns true when something changed. */
  put(tc: TopicConfig): boolean {
    const prev = this.table.get(tc.topicName);
    if (prev && JSON.stringify(prev) === JSON.stringify(tc)) return false;
    this.table.set(tc.topicName, tc);
    this.changed();
    return true;
  }

  delete(topic: string): boolean {
    const had = this.table.delete(topic);
    if (had) this.changed();
    return had;
  }

  /** A slave takes its master's table whole (SlaveSynchronize); true when it differed. */
  replaceAll(configs: readonly TopicConfig[], version: DataVersion): boolean {
    if (JSON.stringify(version) === JSON.stringify(this.dataVersion)) return false;
    this.table.clear();
    for (const tc of configs) this.table.set(tc.topicName, tc);
    this.dataVersion = { ...version };
    this.persist();
    return true;
  }

  /** A topic for a retry or DLQ queue of a group: one queue, created on first use. */
  createSystemGroupTopic(
    topic: string,
    perm: number = PermName.PERM_READ | PermName.PERM_WRITE,
  ): { config: TopicConfig; created: boolean } {
    const existing = this.table.get(topic);
    if (existing) return { config: existing, created: false };
    const config = newTopicConfig(topic, 1, perm);
    this.put(config);
    return { config, created: true };
  }

  /** A new data version with the same topics: name servers take the registration in again. */
  touch(): void {
    this.changed();
  }

  private changed(): void {
    this.dataVersion = { timestamp: Date.now(), counter: this.dataVersion.counter + 1 };
    this.persist();
  }

  persist(): void {
    writeJsonFile(this.path, {
      topicConfigTable: Object.fromEntries(this.table),
      dataVersion: this.dataVersion,
    });
  }
}
