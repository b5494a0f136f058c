import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { launchStandalone, stop } from '../../bench/bench-util.ts';

type Launched = Awaited<ReturnType<typeof launchStandalone>>;

/**
 * `rmq start` in a child process on a fresh temp store, for kill -9 tests: whichever instance runs
 * is stopped after the test, even when it fails before the kill, and then the store is removed.
 */
export async function crashableStandalone(
  t: TestContext,
  prefix: string,
  extraArgs: readonly string[],
): Promise<{ readonly current: Launched; killAndRestart(): Promise<Launched> }> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  let current = await launchStandalone(root, extraArgs).catch((err: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw err;
  });
  t.after(async () => {
    await stop(current.child);
    rmSync(root, { recursive: true, force: true });
  });
  return {
    get current() {
      return current;
    },
    /** SIGKILL, then a new `rmq start` on the same store. */
    async killAndRestart() {
      const exited = new Promise((r) => current.child.once('exit', r));
      current.child.kill('SIGKILL');
      await exited;
      current = await launchStandalone(root, extraArgs);
      return current;
    },
  };
}
