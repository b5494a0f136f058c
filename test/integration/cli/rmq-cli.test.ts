import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { encodeProperties } from '../../../src/common/message/message-properties.ts';
import { testClient } from '../../helpers/remoting-call.ts';
import { bodyFilesOf } from '../../helpers/rmq-admin.ts';

const RMQ = new URL('../../../bin/rmq.mjs', import.meta.url).pathname;

function admin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [RMQ, 'admin', ...args], {
    encoding: 'utf8',
    timeout: 20000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('rmq start prints its endpoints and ready, serves rmq admin, and stops cleanly on SIGTERM', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rmq-cli-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const child = spawn(
    process.execPath,
    [
      RMQ,
      'start',
      '--namesrvPort=0',
      '--listenPort=0',
      '--grpcServerPort=0',
      `--storePathRootDir=${root}`,
      '--mappedFileSizeCommitLog=1048576',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RMQ_LOG_LEVEL: 'warn' },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "ready" within 20 s; got: ${lines.join(' | ')}`)),
      20000,
    );
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`rmq start exited with ${code} before ready`)));
  });
  assert.match(lines[0] ?? '', /^namesrv 127\.0\.0\.1:\d+$/);
  assert.match(lines[1] ?? '', /^broker 127\.0\.0\.1:\d+$/);
  assert.match(lines[2] ?? '', /^grpc 127\.0\.0\.1:\d+$/);
  assert.equal(lines[3], 'ready');
  const ns = (lines[0] ?? '').split(' ')[1] ?? '';
  const broker = (lines[1] ?? '').split(' ')[1] ?? '';

  const created = admin(
    'updateTopic',
    '-n',
    ns,
    '-t',
    'CliTopic',
    '-c',
    'DefaultCluster',
    '-w',
    '2',
  );
  assert.equal(created.status, 0, created.stderr);
  assert.match(created.stdout, new RegExp(`^create topic to ${broker} success\\.$`, 'm'));
  assert.match(
    created.stdout,
    /^TopicConfig \[topicName=CliTopic, readQueueNums=8, writeQueueNums=2, /m,
  );
  assert.match(admin('topicList', '-n', ns).stdout, /^CliTopic$/m);
  assert.match(
    admin('clusterList', '-n', ns).stdout,
    new RegExp(`DefaultCluster\\s+broker-a\\s+0\\s+${broker}`),
  );

  const { call } = testClient(t);
  const sent = await call(
    broker,
    RequestCode.SEND_MESSAGE_V2,
    {
      a: 'PID',
      b: 'CliTopic',
      c: 'TBW102',
      d: '4',
      e: '1',
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: encodeProperties({ TAGS: 'TagCli', KEYS: 'order-42' }),
      j: '0',
      k: 'false',
    },
    Buffer.from('cli body'),
  );
  assert.equal(sent.code, ResponseCode.SUCCESS);
  const byId = admin(
    'queryMsgById',
    '-n',
    ns,
    '-t',
    'CliTopic',
    '-i',
    sent.extFields?.msgId ?? '',
    '-f',
    'UTF-8',
  );
  assert.equal(byId.status, 0, byId.stderr);
  for (const f of bodyFilesOf(byId.stdout)) t.after(() => rmSync(f, { force: true }));
  assert.match(byId.stdout, /Topic:\s+CliTopic/);
  assert.match(byId.stdout, /Message Body:\s+cli body/);
  assert.match(
    admin('queryMsgByKey', '-n', ns, '-t', 'CliTopic', '-k', 'order-42').stdout,
    /\s1\s+0$/m,
  );
  assert.match(admin('topicStatus', '-n', ns, '-t', 'CliTopic').stdout, /broker-a\s+1\s+0\s+1\s/);

  const missing = admin('topicRoute', '-n', ns, '-t', 'NoSuchTopic');
  assert.equal(missing.status, 1);
  assert.match(
    missing.stderr,
    /^rmq: .*No topic route info in name server for the topic: NoSuchTopic\n$/,
  );
  const usage = admin('updateTopic', '-n', ns);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /-t <topic> is required/);

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(!existsSync(join(root, 'abort')), 'a clean stop removes the abort file');
  assert.ok(existsSync(join(root, 'config', 'topics.json')));
});
