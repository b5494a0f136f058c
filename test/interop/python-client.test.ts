/**
 * Interop with RocketMQ's own Python gRPC client (rocketmq-python-client from PyPI, unmodified,
 * version pinned in python/requirements.txt) against `rmq start`'s gRPC endpoint over plaintext
 * (the client's default). The driver is python/grpc_scenarios.py; it prints JSON lines checked
 * here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { launchStandalone, stop } from '../../bench/bench-util.ts';
import { AdminClient } from '../../src/admin/admin-client.ts';
import { uniqueName } from '../helpers/start-cluster.ts';
import { succeededRun } from '../helpers/java-toolchain.ts';
import { pythonEnv, runPython } from '../helpers/python-toolchain.ts';

let server: { child: ChildProcess; broker: string; namesrv: string; grpc: string } | undefined;
let root = '';
let admin: AdminClient | undefined;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rmq-python-interop-'));
  server = await launchStandalone(root);
  admin = new AdminClient({ namesrvAddr: server.namesrv });
});

after(async () => {
  await admin?.shutdown();
  if (server) await stop(server.child);
  rmSync(root, { recursive: true, force: true });
});

interface Received {
  received: string;
  topic: string;
  body: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  deliveryAttempt: number;
  bornHost: string;
}

test('rocketmq-python-client: a Producer sends messages with tag and keys; a SimpleConsumer receives and acks each exactly once', async () => {
  if (!server || !admin) throw new Error('the server did not start');
  const python = pythonEnv();
  const topic = uniqueName('PyNormal');
  await admin.updateTopic([server.broker], { topic, readQueueNums: 4, writeQueueNums: 4 });
  const count = 10;
  const run = await runPython(python, 'grpc_scenarios.py', [
    'normal',
    server.grpc,
    topic,
    uniqueName('GID'),
    String(count),
  ]);
  const events = succeededRun(run, 'the normal scenario with rocketmq-python-client');
  const sent = new Map(
    events.filter((e) => 'sent' in e).map((e) => [e.messageId as string, Number(e.n)] as const),
  );
  assert.equal(sent.size, count);
  const got = events.filter((e) => 'received' in e) as unknown as Received[];
  assert.equal(got.length, count, 'no message twice');
  assert.deepEqual(
    got.map((m) => m.received).sort(),
    [...sent.keys()].sort(),
    'each message, with the id the producer made',
  );
  const host = events.find((e) => 'clientHost' in e)?.clientHost;
  for (const m of got) {
    const i = sent.get(m.received) ?? -1;
    assert.equal(m.bornHost, host, 'the born host the producer sent');
    assert.equal(m.topic, topic);
    assert.equal(m.body, `normal-${i}`);
    assert.equal(m.tag, i % 2 === 0 ? 'TagA' : 'TagB');
    assert.deepEqual(m.keys, [`alt-${i}`, `normal-key-${i}`]);
    assert.deepEqual(m.properties, { kind: 'normal', n: String(i) });
    assert.equal(m.deliveryAttempt, 1);
  }
  assert.equal(
    events.find((e) => 'afterAck' in e)?.afterAck,
    0,
    'acknowledged messages do not come again',
  );
});
