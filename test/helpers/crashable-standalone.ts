import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  launch,
  launchStandalone,
  standaloneAddresses,
  standaloneArgs,
  stop,
} from '../../bench/bench-util.ts';
import { procStat } from '../../src/store/store-lock.ts';
import { waitUntil } from './wait-for.ts';

type Launched = Awaited<ReturnType<typeof launchStandalone>>;

/** A broker whose parent never reaps it: `child` is that parent, `pid` the broker itself. */
interface Unreaped extends Launched {
  pid: number;
}

/**
 * `rmq start` as the child of a process that never reaps it (the shell becomes `sleep`), as a
 * broker is when its parent dies with it: after SIGKILL it stays a zombie until that parent goes.
 */
async function launchUnreaped(root: string, extraArgs: readonly string[]): Promise<Unreaped> {
  const script = '"$@" & echo "pid $!"; exec sleep 600';
  const started = await launch(
    ['-c', script, 'bash', process.execPath, ...standaloneArgs(root, extraArgs)],
    ['ignore', 'pipe', 'inherit'],
    'bash',
  );
  const pid = Number(started.lines.find((l) => l.startsWith('pid '))?.slice(4));
  return { ...started, ...standaloneAddresses(started.lines), pid };
}

/**
 * `rmq start` in a child process on a fresh temp store, for kill -9 tests: whichever instance runs
 * is stopped after the test, even when it fails before the kill, and then the store is removed.
 * `unreaped`: the first broker is left a zombie by its kill, and restarted while it still is one.
 */
export async function crashableStandalone(
  t: TestContext,
  prefix: string,
  extraArgs: readonly string[],
  options: { unreaped?: boolean } = {},
): Promise<{
  readonly current: Launched;
  readonly root: string;
  killAndRestart(): Promise<Launched>;
}> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const first = options.unreaped
    ? launchUnreaped(root, extraArgs)
    : launchStandalone(root, extraArgs);
  let current: Launched | Unreaped = await first.catch((err: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw err;
  });
  const parents: ChildProcess[] = [];
  t.after(async () => {
    if ('pid' in current) killQuietly(current.pid);
    await stop(current.child);
    for (const p of parents) p.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  return {
    get current() {
      return current;
    },
    root,
    /** SIGKILL, then a new `rmq start` on the same store: at once, even while the old one is a zombie. */
    async killAndRestart() {
      if ('pid' in current) {
        const { pid } = current;
        process.kill(pid, 'SIGKILL');
        await waitUntil(() => procStat(pid)?.state === 'Z', 10000, `broker ${pid} to be a zombie`);
        parents.push(current.child); // reaped after the test: the restart meets the zombie
      } else {
        const exited = new Promise((r) => current.child.once('exit', r));
        current.child.kill('SIGKILL');
        await exited;
      }
      current = await launchStandalone(root, extraArgs);
      return current;
    },
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
