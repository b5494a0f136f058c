import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createClient, type SendResult } from '../../src/client/index.ts';
import { standaloneArgs, stop } from '../../bench/bench-util.ts';
import { crashableStandalone } from '../helpers/crashable-standalone.ts';
import { waitUntil } from '../helpers/wait-for.ts';

const TOPIC = 'ZombieRestart';

test('a broker SIGKILLed under SYNC_FLUSH load and left a zombie restarts at once on its store, with every acknowledged message byte-identical in queue order', async (t) => {
  const broker = await crashableStandalone(
    t,
    'rmq-zombie-',
    ['--flushDiskType=SYNC_FLUSH', '--mappedFileSizeCommitLog=4194304'],
    { unreaped: true },
  );
  const c = createClient({
    namesrvAddr: broker.current.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'zombie-producer',
    // The killed broker's connection fails the sends in flight; nothing is retried elsewhere.
  });
  const producer = c.createProducer({ producerGroup: 'PID_zombie', retryTimesWhenSendFailed: 0 });
  await producer.start();
  const acked: { result: SendResult; body: Buffer }[] = [];
  let stopped = false;
  const sender = async (lane: number): Promise<void> => {
    for (let i = 0; !stopped && i < 5000; i++) {
      const body = Buffer.alloc(200 + ((lane * 37 + i) % 300), `${lane}-${i}|`);
      try {
        acked.push({ result: await producer.send({ topic: TOPIC, body }), body });
      } catch {
        return; // the broker is gone
      }
    }
  };
  const lanes = [0, 1, 2, 3].map(sender);
  await waitUntil(() => acked.length >= 400, 20000, '400 acknowledged sends before the kill');
  const second = await broker.killAndRestart(); // sends are in flight when the kill lands
  stopped = true;
  await Promise.all(lanes);
  await producer.shutdown().catch(() => undefined);
  await c.shutdown();

  const c2 = createClient({
    namesrvAddr: second.namesrv,
    clientIP: '127.0.0.1',
    instanceName: 'zombie-reader',
  });
  const reader = c2.createPullConsumer({ consumerGroup: 'GID_zombie' });
  await reader.start();
  t.after(async () => {
    await reader.shutdown();
    await c2.shutdown();
  });
  const expected = new Map<number, Map<number, Buffer>>();
  for (const { result, body } of acked) {
    const q = result.messageQueue.queueId;
    if (!expected.has(q)) expected.set(q, new Map());
    expected.get(q)?.set(result.queueOffset, body);
  }
  let checked = 0;
  for (const q of await reader.fetchSubscribeMessageQueues(TOPIC)) {
    const want = expected.get(q.queueId);
    if (!want) continue;
    const last = Math.max(...want.keys());
    let next = 0;
    while (next <= last) {
      const r = await reader.pull(q, '*', next, 32);
      assert.equal(r.pullStatus, 'FOUND', `queue ${q.queueId} at ${next} of ${last}`);
      for (const m of r.messages) {
        assert.equal(m.queueOffset, next, `queue ${q.queueId} is read in order, without gaps`);
        const body = want.get(next);
        if (body) {
          assert.ok(body.equals(m.body), `queue ${q.queueId} offset ${next} is byte-identical`);
          checked++;
        }
        next++;
      }
    }
  }
  assert.equal(checked, acked.length, 'every acknowledged message is read back');
});

/** Runs `rmq start` on `root`; resolves with its exit code, stdout and stderr, or once it is ready. */
function runStart(
  t: TestContext,
  root: string,
  extraArgs: readonly string[] = [],
): Promise<{ ready: boolean; code: number | null; stdout: string; stderr: string; pid: number }> {
  const child = spawn(process.execPath, standaloneArgs(root, extraArgs), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RMQ_LOG_LEVEL: 'warn' },
  });
  t.after(() => stop(child));
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('rmq start neither ready nor exited')), 30000);
    const done = (ready: boolean, code: number | null): void => {
      clearTimeout(guard);
      resolve({ ready, code, stdout, stderr, pid: child.pid ?? -1 });
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.split('\n').includes('ready')) done(true, null);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done(false, code));
  });
}

test('two brokers started at once on one store: exactly one runs, the other exits 1 with one line naming the store and the holder', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rmq-lock-race-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const results = await Promise.all([runStart(t, root), runStart(t, root)]);
  const ready = results.filter((r) => r.ready);
  const refused = results.filter((r) => !r.ready);
  assert.equal(ready.length, 1, `one ready: ${JSON.stringify(results)}`);
  assert.equal(refused.length, 1);
  const [winner, loser] = [ready[0], refused[0]];
  assert.equal(loser?.code, 1);
  assert.equal(
    loser?.stderr,
    `rmq: Cannot open the store at ${root}: process ${winner?.pid} holds its lock\n`,
  );
  assert.equal(loser?.stdout, '', 'the refused broker announced no endpoint');
});

test('a refused store fails rmq start before it opens any port', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rmq-lock-ports-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const holder = await runStart(t, root);
  assert.ok(holder.ready);
  // A port already taken: a start that listened before checking the store would die on it instead.
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  t.after(() => busy.close());
  const port = (busy.address() as { port: number }).port;
  const second = await runStart(t, root, [`--namesrvPort=${port}`]);
  assert.equal(second.code, 1);
  assert.equal(
    second.stderr,
    `rmq: Cannot open the store at ${root}: process ${holder.pid} holds its lock\n`,
  );
});
