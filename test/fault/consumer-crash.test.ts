import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { launchCluster, uniqueName } from '../helpers/start-cluster.ts';
import { createClient } from '../../src/client/index.ts';

const CHILD = new URL('./fixtures/push-consumer-process.ts', import.meta.url).pathname;

interface Got {
  queueId: number;
  offset: number;
  body: string;
}

/** Runs the consumer process until `stopWhen` holds (then SIGKILL), or until it exits. */
function runConsumer(args: string[], stopWhen: (got: Got[]) => boolean): Promise<Got[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const got: Got[] = [];
    let rest = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^got (\d+) (\d+) (\S+)$/.exec(line);
        if (m) got.push({ queueId: Number(m[1]), offset: Number(m[2]), body: m[3] ?? '' });
      }
      if (stopWhen(got)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(guard);
      resolve(got);
    });
  });
}

test('a consumer killed with SIGKILL mid-stream loses nothing: its successor gets the rest, repeating only uncommitted messages', async (t) => {
  const cluster = await launchCluster();
  t.after(() => cluster.stop());
  const topic = uniqueName('Crash');
  await cluster.createTopic(topic, 4);
  const sdk = createClient({
    namesrvAddr: cluster.namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('p'),
  });
  const producer = sdk.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  const total = 1000;
  for (let i = 0; i < total; i += 50) {
    await producer.sendBatch(
      Array.from({ length: 50 }, (_v, j) => ({
        topic,
        body: `c${i + j}`,
        shardingKey: String((i + j) % 4),
      })),
    );
  }
  await producer.shutdown();
  await sdk.shutdown();
  const group = uniqueName('GID');
  const args = (name: string): string[] => [cluster.namesrvAddr, topic, group, name];
  const first = await runConsumer(args(uniqueName('c1')), (got) => got.length >= 500);
  assert.ok(
    first.length >= 500 && first.length < total,
    `the first consumer was killed mid-stream after ${first.length}`,
  );
  // What the broker holds as committed when the successor starts.
  const offsets = cluster.broker.internals.offsets;
  const committed = [0, 1, 2, 3].map((q) => offsets.query(group, topic, q));
  const seen = new Set(first.map((g) => g.body));
  const second = await runConsumer(
    args(uniqueName('c2')),
    (got) => new Set([...seen, ...got.map((g) => g.body)]).size >= total,
  );
  const union = new Set([...seen, ...second.map((g) => g.body)]);
  assert.equal(union.size, total, `received ${union.size} of ${total}`);
  const repeats = second.filter((g) => seen.has(g.body));
  for (const r of repeats) {
    assert.ok(
      r.offset >= (committed[r.queueId] ?? 0),
      `message at ${r.queueId}@${r.offset} was committed (${committed[r.queueId]}) yet delivered again`,
    );
  }
  console.log(
    `killed after ${first.length}; successor repeated ${repeats.length} uncommitted messages`,
  );
});
