import type { TestContext } from 'node:test';
import { encodeSocketAddress } from '../../src/common/message/socket-address.ts';
import { encodeProperties } from '../../src/common/message/message-properties.ts';
import { tagsHashCode } from '../../src/common/message/java-hash.ts';
import type { MessageExtBrokerInner } from '../../src/common/message/message-ext.ts';
import { MessageStore } from '../../src/store/message-store.ts';
import { resolveStoreConfig, type StoreConfig } from '../../src/store/store-config.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BORN_HOST = encodeSocketAddress('127.0.0.1', 50000);
export const STORE_HOST = encodeSocketAddress('127.0.0.1', 10911);

/** Small files so tests roll segments: 64 KiB CommitLog segments, 100-unit queue files, tiny index. */
export function smallStoreConfig(
  root: string,
  overrides: Record<string, unknown> = {},
): StoreConfig {
  return resolveStoreConfig([
    {
      storePathRootDir: root,
      mappedFileSizeCommitLog: 64 * 1024,
      mappedFileSizeConsumeQueue: 100 * 20,
      maxHashSlotNum: 64,
      maxIndexNum: 400,
      maxMessageSize: 16 * 1024,
      flushIntervalCommitLog: 50,
      flushIntervalConsumeQueue: 50,
    },
    overrides,
  ]);
}

/**
 * Starts a store with small files. Without `root` it gets a temp folder; cleanup shuts the store
 * down first and then removes the folder (t.after hooks run in registration order).
 */
export async function openStore(
  t: TestContext,
  overrides: Record<string, unknown> = {},
  root?: string,
  options: Partial<ConstructorParameters<typeof MessageStore>[0]> = {},
): Promise<{ store: MessageStore; root: string }> {
  const dir = root ?? mkdtempSync(join(tmpdir(), 'rmq-store-'));
  const store = new MessageStore({ config: smallStoreConfig(dir, overrides), ...options });
  t.after(async () => {
    await store.shutdown();
    if (root === undefined) rmSync(dir, { recursive: true, force: true });
  });
  await store.start();
  return { store, root: dir };
}

export interface TestMessageInput {
  topic?: string;
  queueId?: number;
  body?: Buffer | string;
  tags?: string;
  keys?: string;
  uniqKey?: string;
  properties?: Record<string, string>;
}

export function makeMessage(input: TestMessageInput = {}): MessageExtBrokerInner {
  const props: Record<string, string> = { ...(input.properties ?? {}) };
  if (input.tags !== undefined) props.TAGS = input.tags;
  if (input.keys !== undefined) props.KEYS = input.keys;
  if (input.uniqKey !== undefined) props.UNIQ_KEY = input.uniqKey;
  const body =
    input.body === undefined
      ? Buffer.from('hello')
      : Buffer.isBuffer(input.body)
        ? input.body
        : Buffer.from(input.body);
  return {
    topic: input.topic ?? 'TopicTest',
    queueId: input.queueId ?? 0,
    flag: 0,
    body,
    propertiesString: encodeProperties(props),
    tagsCode: tagsHashCode(input.tags),
    sysFlag: 0,
    bornTimestamp: 1700000000000,
    bornHost: BORN_HOST,
    storeHost: STORE_HOST,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    keys: input.keys,
    uniqKey: input.uniqKey,
  };
}
