import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { RmqError } from '../../../src/common/errors/rmq-error.ts';
import { procStat, StoreLock } from '../../../src/store/store-lock.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitUntil } from '../../helpers/wait-for.ts';

/** Both ways of holding a store: the kernel lock and the /proc fallback for a platform without it. */
const MODES = [
  { name: 'kernel lock', acquire: (root: string) => StoreLock.acquire(root, join(root, 'lock')) },
  {
    name: '/proc fallback',
    acquire: (root: string) => StoreLock.acquire(root, join(root, 'lock'), null),
  },
] as const;

/** A bash process of the test's own, killed after the test. */
function spawnShell(t: TestContext, script: string): ChildProcess {
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    child.kill('SIGKILL');
  });
  return child;
}

async function firstLine(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout ?? []) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}

function assertLockedBy(fn: () => unknown, root: string, pid: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RmqError);
    assert.equal(err.code, 'STORE_LOCKED');
    assert.equal(err.message, `Cannot open the store at ${root}: process ${pid} holds its lock`);
    return true;
  });
}

test('the kernel lock is what this platform gets (the fallback is only for one without the addon)', (t) => {
  const root = tempDir(t, 'rmq-lock-');
  const lock = MODES[0].acquire(root);
  t.after(() => lock.release());
  assert.equal(lock.kernelHeld, true);
});

for (const mode of MODES) {
  test(`${mode.name}: a second store on a held folder is refused naming the holder, and may take it once released`, (t) => {
    const root = tempDir(t, 'rmq-lock-');
    const first = mode.acquire(root);
    assertLockedBy(() => mode.acquire(root), root, process.pid);
    first.release();
    const second = mode.acquire(root);
    second.release();
  });

  test(`${mode.name}: a lock file naming a live unrelated process (a reused PID) does not block a start`, async (t) => {
    const root = tempDir(t, 'rmq-lock-');
    const other = spawnShell(t, 'echo $$; exec sleep 30');
    const pid = Number(await firstLine(other));
    const stat = procStat(pid);
    assert.ok(stat, 'the unrelated process runs');
    // Its PID, with the start time of the broker that once had that PID (not this process's).
    writeFileSync(join(root, 'lock'), `${pid} ${Number(stat.startTime) + 1}\n`);
    const lock = mode.acquire(root);
    assert.equal(readFileSync(join(root, 'lock'), 'utf8').split(' ')[0], String(process.pid));
    lock.release();
  });

  test(`${mode.name}: a holder left a zombie does not block a start`, async (t) => {
    const root = tempDir(t, 'rmq-lock-');
    // `sleep 0.3` exits after the shell has become `sleep 30`, which never reaps it.
    const parent = spawnShell(t, 'sleep 0.3 & echo $!; exec sleep 30');
    const pid = Number(await firstLine(parent));
    await waitUntil(() => procStat(pid)?.state === 'Z', 5000, `process ${pid} to be a zombie`);
    writeFileSync(join(root, 'lock'), `${pid} ${procStat(pid)?.startTime ?? ''}\n`);
    const lock = mode.acquire(root);
    lock.release();
  });
}

test('/proc fallback: a recorded holder that runs with its own start time blocks a start', (t) => {
  const root = tempDir(t, 'rmq-lock-');
  writeFileSync(join(root, 'lock'), `${process.pid} ${procStat(process.pid)?.startTime ?? ''}\n`);
  assertLockedBy(() => MODES[1].acquire(root), root, process.pid);
});

test('procStat reads the state and start time even when the command name has spaces and parentheses', async (t) => {
  // The command name in /proc/<pid>/stat is the executable's file name: a link named to confuse.
  const dir = tempDir(t, 'rmq-lock-');
  const odd = join(dir, 'odd ) 1 2 (x');
  symlinkSync('/bin/sleep', odd);
  const child = spawnShell(t, `echo $$; exec "${odd}" 30`);
  const pid = Number(await firstLine(child));
  await waitUntil(
    () => readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(odd ) 1 2 (x)'),
    5000,
    'the oddly named process',
  );
  const stat = procStat(pid);
  const own = procStat(process.pid);
  assert.ok(stat && own);
  assert.match(stat.state, /^[RSD]$/);
  // Clock ticks since boot: the child started after this process, and not long after.
  const delta = Number(stat.startTime) - Number(own.startTime);
  assert.ok(delta >= 0 && delta < 100 * 600, `start times ${own.startTime} -> ${stat.startTime}`);
  assert.equal(procStat(2 ** 22 + 1), undefined);
});
