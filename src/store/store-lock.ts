import {
  closeSync,
  constants,
  ftruncateSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { RmqError } from '../common/errors/rmq-error.ts';

/** An exclusive advisory lock on an open file that the kernel drops when its holder dies. */
interface KernelLock {
  tryLock(fd: number): boolean;
  unlock(fd: number): void;
}

/**
 * fs-native-extensions takes an open-file-description lock (fcntl F_OFD_SETLK on Linux, flock
 * elsewhere): it conflicts between two opens in one process too, and a SIGKILLed holder (zombie or
 * not) has released it, since the kernel closes a dying process's files before it becomes a zombie.
 * Loaded lazily so that a platform without a prebuilt addon still gets the exact /proc fallback.
 */
function loadKernelLock(): KernelLock | undefined {
  try {
    return createRequire(import.meta.url)('fs-native-extensions') as KernelLock;
  } catch {
    return undefined;
  }
}

/** Who holds a store, as the lock file records it: `<pid> <start time in clock ticks>`. */
interface Holder {
  pid: number;
  startTime: string;
}

/**
 * The `lock` file of a store folder, held for the store's whole life as RocketMQ holds a FileLock on
 * it: a second store on the same folder (another process, or another store in this one) is refused
 * with the holder's PID. The file is never removed while a kernel lock is in use: a waiter that
 * opened the old file would lock a name nobody else sees.
 */
export class StoreLock {
  private constructor(
    private readonly path: string,
    private fd: number | undefined,
    private readonly kernel: KernelLock | undefined,
  ) {}

  /**
   * Takes the lock of the store at `root` (lock file `path`) or throws STORE_LOCKED naming the
   * holder. `kernel` null takes the /proc fallback (the path for a platform without the addon).
   */
  static acquire(
    root: string,
    path: string,
    kernel: KernelLock | null = loadKernelLock() ?? null,
  ): StoreLock {
    return kernel
      ? new StoreLock(path, lockWithKernel(root, path, kernel), kernel)
      : new StoreLock(path, lockByRecord(root, path), undefined);
  }

  /** Whether the kernel holds this lock (false: the /proc fallback). */
  get kernelHeld(): boolean {
    return this.kernel !== undefined;
  }

  release(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    if (this.kernel) {
      this.kernel.unlock(fd);
      closeSync(fd);
      return;
    }
    closeSync(fd);
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

/** Opens and locks the file, then records this process in it; returns the open fd. */
function lockWithKernel(root: string, path: string, kernel: KernelLock): number {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  let locked = false;
  try {
    locked = kernel.tryLock(fd);
  } finally {
    if (!locked) closeSync(fd);
  }
  if (!locked) throw lockedError(root, readHolder(path));
  const record = Buffer.from(holderRecord(ownHolder()));
  ftruncateSync(fd, 0);
  writeSync(fd, record, 0, record.length, 0);
  return fd;
}

/**
 * Without a kernel lock: the file is created exclusively, and a recorded holder counts only while
 * `/proc/<pid>/stat` shows that process, not a zombie, with the start time it wrote (a reused PID
 * has another). Two brokers taking over the same stale file at the same instant can still race;
 * the kernel lock above has no such window.
 */
function lockByRecord(root: string, path: string): number {
  const record = holderRecord(ownHolder());
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, record);
      return fd;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    if (holder && isRunning(holder)) throw lockedError(root, holder);
    try {
      unlinkSync(path); // the holder is gone: its file is stale
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw lockedError(root, readHolder(path));
}

function lockedError(root: string, holder: Holder | undefined): RmqError {
  const who = holder ? `process ${holder.pid}` : 'another process';
  return new RmqError('STORE_LOCKED', `Cannot open the store at ${root}: ${who} holds its lock`);
}

function holderRecord(holder: Holder): string {
  return `${holder.pid} ${holder.startTime}\n`;
}

function readHolder(path: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d+)(?:\s+(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  return { pid: Number(m[1]), startTime: m[2] ?? '' };
}

function ownHolder(): Holder {
  return { pid: process.pid, startTime: procStat(process.pid)?.startTime ?? '' };
}

/** Alive, not a zombie, and the same process that wrote the record (its start time matches). */
function isRunning(holder: Holder): boolean {
  const stat = procStat(holder.pid);
  if (!stat) return false;
  return stat.state !== 'Z' && stat.state !== 'X' && stat.startTime === holder.startTime;
}

/** Fields 3 (state) and 22 (start time) of /proc/<pid>/stat; undefined when there is no such process. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { state, startTime };
}
