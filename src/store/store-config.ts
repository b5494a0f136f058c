import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  resolveConfig,
  type ConfigLayer,
  type ConfigOf,
  type ResolveOptions,
} from '../common/config/config-schema.ts';

/** MessageStoreConfig keys with RocketMQ's spellings and defaults. */
export const storeConfigSchema = {
  storePathRootDir: {
    type: 'string',
    default: '~/store',
    doc: 'Root folder of the store; a leading ~ is the home folder.',
  },
  storePathCommitLog: {
    type: 'string',
    default: '',
    doc: 'CommitLog folder; empty means <storePathRootDir>/commitlog.',
  },
  mappedFileSizeCommitLog: {
    type: 'int',
    default: 1024 * 1024 * 1024,
    min: 4096,
    doc: 'Bytes per CommitLog segment; segments are preallocated to this size.',
  },
  mappedFileSizeConsumeQueue: {
    type: 'int',
    default: 300000 * 20,
    min: 20,
    doc: 'Bytes per ConsumeQueue file, a multiple of the 20-byte unit (300000 units).',
  },
  flushDiskType: {
    type: 'enum',
    values: ['ASYNC_FLUSH', 'SYNC_FLUSH'],
    default: 'ASYNC_FLUSH',
    doc: 'ASYNC_FLUSH acknowledges after the page-cache write; SYNC_FLUSH after fdatasync (group commit).',
  },
  flushIntervalCommitLog: {
    type: 'int',
    default: 500,
    min: 1,
    doc: 'ASYNC_FLUSH: ms between CommitLog flushes.',
  },
  flushIntervalConsumeQueue: {
    type: 'int',
    default: 1000,
    min: 1,
    doc: 'ms between ConsumeQueue and IndexFile flushes (and checkpoint updates).',
  },
  syncFlushTimeout: {
    type: 'int',
    default: 5000,
    min: 1,
    doc: 'SYNC_FLUSH: ms an append waits for its flush before reporting FLUSH_DISK_TIMEOUT.',
  },
  maxMessageSize: {
    type: 'int',
    default: 4 * 1024 * 1024,
    min: 1,
    doc: 'Largest message body accepted, in bytes.',
  },
  fileReservedTime: {
    type: 'int',
    default: 72,
    min: 0,
    doc: 'Hours a CommitLog segment is kept after its last write.',
  },
  deleteWhen: {
    type: 'string',
    default: '04',
    pattern: /^\d{1,2}(;\d{1,2})*$/,
    doc: 'Hours of the day (00-23, ";"-separated) when expired files are deleted.',
  },
  diskMaxUsedSpaceRatio: {
    type: 'int',
    default: 75,
    min: 1,
    max: 95,
    doc: 'Disk usage percent above which expired files are deleted at any hour.',
  },
  diskSpaceCleanForciblyRatio: {
    type: 'int',
    default: 85,
    min: 1,
    max: 99,
    doc: 'Disk usage percent above which the oldest segments are deleted even if not expired.',
  },
  diskSpaceWarningLevelRatio: {
    type: 'int',
    default: 90,
    min: 1,
    max: 99,
    doc: 'Disk usage percent above which appends are refused (reads go on).',
  },
  cleanResourceInterval: {
    type: 'int',
    default: 10000,
    min: 10,
    doc: 'ms between retention checks.',
  },
  deleteFileBatchMax: {
    type: 'int',
    default: 10,
    min: 1,
    doc: 'Most CommitLog segments deleted per retention pass.',
  },
  messageIndexEnable: {
    type: 'bool',
    default: true,
    doc: 'Index KEYS and UNIQ_KEY in IndexFiles.',
  },
  maxHashSlotNum: { type: 'int', default: 5000000, min: 1, doc: 'Hash slots per IndexFile.' },
  maxIndexNum: { type: 'int', default: 20000000, min: 2, doc: 'Entries per IndexFile.' },
  maxMsgsNumBatch: { type: 'int', default: 64, min: 1, doc: 'Most messages a key query returns.' },
  checkCRCOnRecover: {
    type: 'bool',
    default: true,
    doc: 'Verify body CRCs while recovering after a crash.',
  },
  accessMessageInMemoryMaxRatio: {
    type: 'int',
    default: 40,
    min: 0,
    max: 100,
    doc: "A pull whose data lies further behind the CommitLog end than this percent of the machine's memory (cold, off the page cache) is told to read from a slave, when slaveReadEnable.",
  },
  warmMapedFileEnable: {
    type: 'bool',
    default: false,
    doc: 'Pre-write CommitLog segments with zeros (in the background, ahead of use) so fdatasyncs touch no metadata. Always on under SYNC_FLUSH.',
  },
  timerWheelEnable: {
    type: 'bool',
    default: true,
    doc: 'Accept timer messages (TIMER_DELIVER_MS, TIMER_DELAY_SEC, TIMER_DELAY_MS) and deliver them from the timing wheel.',
  },
  timerPrecisionMs: {
    type: 'int',
    default: 1000,
    min: 10,
    max: 60000,
    doc: 'Width of one timing-wheel slot in ms; a timer message is delivered at the first slot boundary at or after its due time.',
  },
  timerRollWindowSlots: {
    type: 'int',
    default: 3600 * 24 * 2,
    min: 16,
    doc: 'Slots in the timing wheel; a message due beyond slots x precision waits in the last slot and is rolled forward.',
  },
  timerMaxDelaySec: {
    type: 'int',
    default: 3600 * 24 * 3,
    min: 1,
    doc: 'Longest delay a timer message may ask for, in seconds; longer ones are refused with MESSAGE_ILLEGAL.',
  },
  mappedFileSizeTimerLog: {
    type: 'int',
    default: 100 * 1024 * 1024,
    min: 4096,
    doc: 'Bytes per timer log file, a multiple of the 40-byte timer record.',
  },
  timerFlushIntervalMs: {
    type: 'int',
    default: 1000,
    min: 10,
    doc: 'ms between timer log flushes and timercheck updates.',
  },
  transientStorePoolEnable: {
    type: 'bool',
    default: false,
    supported: false,
    doc: 'Accepted and ignored.',
  },
  useReentrantLockWhenPutMessage: {
    type: 'bool',
    default: true,
    supported: false,
    doc: 'Accepted and ignored.',
  },
  flushCommitLogLeastPages: {
    type: 'int',
    default: 4,
    supported: false,
    doc: 'Accepted and ignored.',
  },
  flushConsumeQueueLeastPages: {
    type: 'int',
    default: 2,
    supported: false,
    doc: 'Accepted and ignored.',
  },
} as const;

export type StoreConfig = ConfigOf<typeof storeConfigSchema>;

export function resolveStoreConfig(
  layers: readonly ConfigLayer[],
  options: ResolveOptions = {},
): StoreConfig {
  // A silent first pass finds values to normalise; the final pass reports ignored keys once.
  const probe = resolveConfig(
    storeConfigSchema,
    layers,
    options.source ? { source: options.source } : {},
  );
  const fixes: Record<string, unknown> = {};
  if (probe.storePathRootDir.startsWith('~')) {
    fixes.storePathRootDir = join(homedir(), probe.storePathRootDir.slice(1));
  }
  if (probe.mappedFileSizeTimerLog % 40 !== 0) {
    fixes.mappedFileSizeTimerLog = Math.ceil(probe.mappedFileSizeTimerLog / 40) * 40;
  }
  if (probe.mappedFileSizeConsumeQueue % 20 !== 0) {
    fixes.mappedFileSizeConsumeQueue = Math.ceil(probe.mappedFileSizeConsumeQueue / 20) * 20;
  }
  return resolveConfig(storeConfigSchema, [...layers, fixes], options);
}

/** Folders derived from the root, as RocketMQ's StorePathConfigHelper lays them out. */
export function storePaths(config: StoreConfig): {
  commitLog: string;
  consumeQueue: string;
  index: string;
  checkpoint: string;
  abort: string;
  lock: string;
  timerLog: string;
  timerCheck: string;
} {
  const root = config.storePathRootDir;
  return {
    commitLog: config.storePathCommitLog || join(root, 'commitlog'),
    consumeQueue: join(root, 'consumequeue'),
    index: join(root, 'index'),
    checkpoint: join(root, 'checkpoint'),
    abort: join(root, 'abort'),
    lock: join(root, 'lock'),
    timerLog: join(root, 'timerlog'),
    timerCheck: join(root, 'timercheck'),
  };
}
