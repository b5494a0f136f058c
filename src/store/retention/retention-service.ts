import type { Logger } from 'pino';
import type { CommitLog } from '../commitlog/commit-log.ts';
import type { ConsumeQueueTable } from '../consumequeue/consume-queue-table.ts';
import type { IndexService } from '../index/index-service.ts';
import type { StoreConfig } from '../store-config.ts';
import { diskUsedPercent } from './disk-usage.ts';

export interface RetentionReport {
  diskUsedPercent: number;
  /** Appends are refused while false (disk above diskSpaceWarningLevelRatio). */
  writeable: boolean;
  /** Why segments were eligible this pass: the deleteWhen hour, disk pressure, forced, or a manual request. */
  trigger: 'none' | 'time' | 'disk' | 'forced' | 'manual';
  deletedSegments: number;
  deletedConsumeQueueFiles: number;
  deletedIndexFiles: number;
}

export interface RetentionDeps {
  commitLog: CommitLog;
  consumeQueues: ConsumeQueueTable;
  index: IndexService;
  config: StoreConfig;
  logger: Logger;
  now: () => number;
}

/**
 * Deletes expired CommitLog segments (last written more than `fileReservedTime` hours ago) at the
 * `deleteWhen` hours, or at any hour when the disk is above `diskMaxUsedSpaceRatio`; above
 * `diskSpaceCleanForciblyRatio` the oldest segments go even if unexpired. ConsumeQueue and index
 * files pointing only below the new CommitLog start go too. The segment being written is never
 * deleted.
 */
export class RetentionService {
  private readonly deps: RetentionDeps;
  private timer: NodeJS.Timeout | undefined;
  private writeableNow = true;
  private usage = 0;

  constructor(deps: RetentionDeps) {
    this.deps = deps;
  }

  get writeable(): boolean {
    return this.writeableNow;
  }

  get diskUsedPercent(): number {
    return this.usage;
  }

  start(): void {
    this.checkDisk();
    this.timer = setInterval(() => {
      try {
        this.run();
      } catch (err) {
        this.deps.logger.error({ err }, 'Retention pass failed');
      }
    }, this.deps.config.cleanResourceInterval);
  }

  /** Re-reads disk usage and updates the writeable flag. */
  checkDisk(): number {
    const { config, commitLog } = this.deps;
    this.usage = diskUsedPercent(commitLog.segments.dir);
    const writeable = this.usage < config.diskSpaceWarningLevelRatio;
    if (writeable !== this.writeableNow) {
      this.deps.logger.warn(
        { diskUsedPercent: this.usage, limit: config.diskSpaceWarningLevelRatio },
        writeable
          ? 'Disk usage back under the limit: appends accepted again'
          : 'Disk nearly full: appends refused',
      );
    }
    this.writeableNow = writeable;
    return this.usage;
  }

  /** One pass; `manual` deletes expired segments whatever the hour (mqadmin deleteExpiredCommitLog). */
  run(manual = false): RetentionReport {
    const { config, commitLog, consumeQueues, index, now } = this.deps;
    const usage = this.checkDisk();
    const hour = new Date(now()).getHours();
    const hours = config.deleteWhen.split(';').map(Number);
    const forced = usage > config.diskSpaceCleanForciblyRatio;
    const trigger: RetentionReport['trigger'] = forced
      ? 'forced'
      : manual
        ? 'manual'
        : usage > config.diskMaxUsedSpaceRatio
          ? 'disk'
          : hours.includes(hour)
            ? 'time'
            : 'none';
    const report: RetentionReport = {
      diskUsedPercent: usage,
      writeable: this.writeableNow,
      trigger,
      deletedSegments: 0,
      deletedConsumeQueueFiles: 0,
      deletedIndexFiles: 0,
    };
    if (trigger === 'none') return report;
    const reservedMs = config.fileReservedTime * 3600 * 1000;
    const files = commitLog.segments.files;
    while (files.length > 1 && report.deletedSegments < config.deleteFileBatchMax) {
      const first = files[0];
      if (!first) break;
      const expired = first.mtimeMs() + reservedMs <= now();
      if (!expired && trigger !== 'forced') break;
      this.deps.logger.info({ segment: first.path, trigger }, 'Deleting CommitLog segment');
      commitLog.segments.shiftFirst();
      report.deletedSegments++;
    }
    if (report.deletedSegments > 0 || trigger === 'manual') {
      const minPhy = commitLog.minOffset;
      for (const cq of consumeQueues.all())
        report.deletedConsumeQueueFiles += cq.deleteBelow(minPhy);
      report.deletedIndexFiles = index.deleteBelow(minPhy);
      this.checkDisk();
      report.writeable = this.writeableNow;
    }
    return report;
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
