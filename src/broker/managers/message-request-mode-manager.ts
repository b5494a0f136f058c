import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from './json-file.ts';

/** How a consumer group reads a topic when the broker assigns its queues (RocketMQ 5). */
export type MessageRequestMode = 'PULL' | 'POP';

/** SetMessageRequestModeRequestBody, as RocketMQ keeps it. */
export interface MessageRequestModeEntry {
  topic: string;
  consumerGroup: string;
  mode: MessageRequestMode;
  /** Queues each POP client shares beyond its own; -1 or less shares them all. */
  popShareQueueNum: number;
}

/**
 * SET_MESSAGE_REQUEST_MODE's table (mqadmin setConsumeMode), topic -> group -> mode, saved to
 * config/messageRequestMode.json as RocketMQ does.
 */
export class MessageRequestModeManager {
  private readonly table = new Map<string, Map<string, MessageRequestModeEntry>>();
  private readonly path: string;

  constructor(storeRoot: string) {
    this.path = join(storeRoot, 'config', 'messageRequestMode.json');
  }

  load(): void {
    const file = readJsonFile<{
      messageRequestModeMap?: Record<string, Record<string, MessageRequestModeEntry>>;
    }>(this.path);
    for (const [topic, groups] of Object.entries(file?.messageRequestModeMap ?? {}))
      this.table.set(topic, new Map(Object.entries(groups)));
  }

  get(topic: string, group: string): MessageRequestModeEntry | undefined {
    return this.table.get(topic)?.get(group);
  }

  set(entry: MessageRequestModeEntry): void {
    let groups = this.table.get(entry.topic);
    if (!groups) {
      groups = new Map();
      this.table.set(entry.topic, groups);
    }
    groups.set(entry.consumerGroup, entry);
    const messageRequestModeMap = Object.fromEntries(
      [...this.table].map(([t, g]) => [t, Object.fromEntries(g)]),
    );
    writeJsonFile(this.path, { messageRequestModeMap });
  }
}
