import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';
import { waitUntil } from '../../helpers/wait-for.ts';

const RMQ = new URL('../../../bin/rmq.mjs', import.meta.url).pathname;

/** `rmq admin ...` in a child process, without blocking this process's in-process cluster. */
function admin(
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [RMQ, 'admin', ...args],
      { encoding: 'utf8', timeout: 20000 },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
/** mqadmin's local time format, yyyy-MM-dd#HH:mm:ss:SSS. */
const mqadminTime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}#${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}:${pad(d.getMilliseconds(), 3)}`;
};

test('rmq admin resetOffsetByTime moves a group to a time, and refuses bad input with exit codes', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('CliReset');
  await cluster.createTopic(topic, 1);
  const producer = await started(
    t,
    sdkClient(t, cluster).createProducer({ producerGroup: uniqueName('PID') }),
  );
  for (let i = 0; i < 2; i++) await producer.send({ topic, body: `old${i}` });
  const between = Date.now() + 1;
  await waitUntil(() => Date.now() >= between, 1000, 'the clock passes the first messages');
  for (let i = 0; i < 3; i++) await producer.send({ topic, body: `new${i}` });
  const group = uniqueName('GID');
  const offsets = cluster.broker.internals.offsets;
  offsets.commit(group, topic, 0, 5);
  const ns = cluster.namesrvAddr;

  const done = await admin(
    'resetOffsetByTime',
    '-n',
    ns,
    '-g',
    group,
    '-t',
    topic,
    '-s',
    mqadminTime(between),
  );
  assert.equal(done.status, 0, done.stderr);
  assert.match(
    done.stdout,
    new RegExp(`group\\[${group}\\], topic\\[${topic}\\], force\\[true\\]`),
  );
  assert.match(done.stdout, new RegExp(`timestamp\\(long\\)\\[${between}\\]`));
  assert.match(done.stdout, /^broker-a\s+0\s+2$/m);
  assert.equal(offsets.query(group, topic, 0), 2);

  const usage = await admin('resetOffsetByTime', '-n', ns, '-g', group, '-t', topic, '-s', 'soon');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /-s "soon" is not a timestamp/);

  const unknown = uniqueName('NoSuchGroup');
  const refused = await admin(
    'resetOffsetByTime',
    '-n',
    ns,
    '-g',
    unknown,
    '-t',
    topic,
    '-s',
    'now',
  );
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`consumer group "${unknown}" does not exist`));
});
