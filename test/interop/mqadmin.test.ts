/**
 * mqadmin (org.apache.rocketmq:rocketmq-tools 5.5.0 from Maven Central, MQAdminStartup unmodified)
 * against `rmq start`. mqadmin prints failures and exits 0, so every check reads its output.
 * Messages and live clients come from RocketMQ's own Java client (java/client).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { launchStandalone, stop } from '../../bench/bench-util.ts';
import { uniqueName } from '../helpers/start-cluster.ts';
import {
  buildJavaSuite,
  MqadminSession,
  runJava,
  RunningJava,
  succeededRun,
} from '../helpers/java-toolchain.ts';

let broker: { child: ChildProcess; namesrv: string; broker: string } | undefined;
let root = '';
let session: MqadminSession | undefined;
/** The topic the Java client filled before the tests: 4 each of sync, async, oneway, batch. */
const TOPIC = uniqueName('AdminTopic');
const GROUP = uniqueName('AdminGID');
let sent: { sent: string; msgId?: string; offsetMsgId?: string }[] = [];

const client = () => buildJavaSuite('client', { 'rocketmq.version': '5.5.0' });
const scenario = async (...args: string[]) =>
  succeededRun(await runJava(client(), 'RemotingScenarios', args), args.join(' '));

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rmq-mqadmin-'));
  broker = await launchStandalone(root, []);
  session = new MqadminSession(buildJavaSuite('mqadmin'));
  sent = (await scenario('produce', broker.namesrv, TOPIC, uniqueName('PID'), '4')).filter(
    (e) => 'sent' in e,
  ) as typeof sent;
  await scenario('consume', broker.namesrv, TOPIC, GROUP, '16');
});

after(async () => {
  await session?.close();
  if (broker) await stop(broker.child);
  rmSync(root, { recursive: true, force: true });
});

/** `mqadmin <args> -n <namesrv>`, its output. */
const mqadmin = (...args: string[]): Promise<string> => {
  if (!session || !broker) throw new Error('the broker did not start');
  return session.run(...args, '-n', broker.namesrv);
};
const brokerAddr = (): string => broker?.broker ?? '';

/** Fails with mqadmin's whole output when it printed an exception. */
function clean(out: string, what: string): string {
  assert.doesNotMatch(out, /\w(?:Exception|Error):|command failed/, `${what}:\n${out}`);
  return out;
}

/** The `key : value` lines brokerStatus and getBrokerConfig print. */
function keyValues(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const kv = /^(\S+)\s*:?=?\s+[:=]?\s*(.*)$/.exec(line.trim());
    if (kv) m.set(kv[1] as string, (kv[2] as string).trim());
  }
  return m;
}

test('mqadmin clusterList and brokerStatus show the broker, active, with the put and get totals counted', async () => {
  const list = clean(await mqadmin('clusterList'), 'clusterList');
  const row = list.split('\n').find((l) => l.includes(brokerAddr()));
  assert.ok(row, list);
  assert.match(row, /^DefaultCluster\s+broker-a\s+0\s+/);
  assert.match(row, /true\s*$/, 'ACTIVATED');
  const status = keyValues(
    clean(await mqadmin('brokerStatus', '-b', brokerAddr()), 'brokerStatus'),
  );
  assert.ok(
    Number(status.get('msgPutTotalTodayNow')) >= 16,
    `puts: ${status.get('msgPutTotalTodayNow')}`,
  );
  assert.ok(
    Number(status.get('msgGetTotalTodayNow')) >= 16,
    `gets: ${status.get('msgGetTotalTodayNow')}`,
  );
  assert.match(status.get('putTps') ?? '', /^\d+\.\d+ \d+\.\d+ \d+\.\d+$/);
  assert.match(status.get('commitLogDirCapacity') ?? '', /^Total : .+, Free : .+\.$/);
  assert.equal(status.get('brokerActive'), 'true');
  const ha = clean(await mqadmin('haStatus', '-b', brokerAddr()), 'haStatus');
  assert.match(ha, /#MasterCommitLogMaxOffset\t\d+\n#SlaveNum\t0\n#InSyncSlaveNum\t0/, ha);
});

test('mqadmin creates, inspects, restricts and deletes a topic', async () => {
  const topic = uniqueName('AdminNew');
  assert.match(
    clean(
      await mqadmin('updateTopic', '-c', 'DefaultCluster', '-t', topic, '-r', '3', '-w', '3'),
      'updateTopic',
    ),
    /success/,
  );
  assert.ok((await mqadmin('topicList')).split('\n').includes(topic));
  const route = clean(await mqadmin('topicRoute', '-t', topic), 'topicRoute');
  assert.match(route, /"readQueueNums":3/);
  assert.match(route, /"perm":6/);
  const status = clean(await mqadmin('topicStatus', '-t', topic), 'topicStatus');
  assert.equal(status.split('\n').filter((l) => l.startsWith('broker-a')).length, 3, status);
  assert.equal((await mqadmin('topicClusterList', '-t', topic)).trim(), 'DefaultCluster');
  assert.match(
    clean(
      await mqadmin('updateTopicPerm', '-c', 'DefaultCluster', '-t', topic, '-p', '4'),
      'updateTopicPerm',
    ),
    /update topic perm from 6 to 4 .* success/,
  );
  assert.match(await mqadmin('topicRoute', '-t', topic), /"perm":4/);
  assert.match(
    clean(await mqadmin('deleteTopic', '-c', 'DefaultCluster', '-t', topic), 'deleteTopic'),
    /success/,
  );
  assert.ok(!(await mqadmin('topicList')).split('\n').includes(topic));
});

test('mqadmin topicStatus and consumerProgress read the queue-keyed tables (fastjson maps)', async () => {
  const status = clean(await mqadmin('topicStatus', '-t', TOPIC), 'topicStatus');
  const maxOffsets = status
    .split('\n')
    .filter((l) => l.startsWith('broker-a'))
    .map((l) => Number(l.split(/\s+/)[3]));
  assert.equal(
    maxOffsets.reduce((a, b) => a + b, 0),
    16,
    status,
  );
  const progress = clean(await mqadmin('consumerProgress', '-g', GROUP), 'consumerProgress');
  const rows = progress.split('\n').filter((l) => l.startsWith(TOPIC));
  assert.equal(rows.length, 4, progress);
  for (const r of rows) {
    const [, , , brokerOffset, consumerOffset, diff] = r.split(/\s+/);
    assert.equal(consumerOffset, brokerOffset, r);
    assert.equal(diff, '0', r);
  }
});

test('mqadmin sees live clients: consumerConnection, consumerStatus, producerConnection, statsAll', async () => {
  const producerGroup = uniqueName('LivePID');
  const consumerGroup = uniqueName('LiveGID');
  const topic = uniqueName('AdminLive');
  // The clients heartbeat to the brokers of their topics' routes: the topic exists first.
  clean(
    await mqadmin('updateTopic', '-c', 'DefaultCluster', '-t', topic, '-r', '2', '-w', '2'),
    'updateTopic',
  );
  const live = new RunningJava(client(), 'RemotingScenarios', [
    'hold',
    broker?.namesrv ?? '',
    topic,
    producerGroup,
    '1',
    consumerGroup,
  ]);
  try {
    await live.waitFor((e) => e.holding === true, 'the clients to start');
    const consumers = clean(
      await mqadmin('consumerConnection', '-g', consumerGroup),
      'consumerConnection',
    );
    assert.match(consumers, /JAVA/);
    assert.match(consumers, new RegExp(`${topic}\\s+\\*`), consumers);
    assert.match(consumers, /CONSUME_PASSIVELY/);
    const clientId = /^#ClientId.*\n(\S+)/m.exec(consumers)?.[1];
    assert.ok(clientId, consumers);
    // The broker relays GET_CONSUMER_RUNNING_INFO to the client and passes its answer back.
    const running = clean(
      await mqadmin('consumerStatus', '-g', consumerGroup, '-i', clientId),
      'consumerStatus',
    );
    assert.match(running, new RegExp(`#Consumer Subscription#[\\s\\S]*${topic}`), running);
    const producers = clean(
      await mqadmin('producerConnection', '-g', producerGroup, '-t', TOPIC),
      'producerConnection',
    );
    assert.match(producers, /JAVA/);
    const stats = clean(await mqadmin('statsAll'), 'statsAll');
    assert.ok(
      stats.split('\n').some((l) => l.startsWith(TOPIC) && l.includes(GROUP)),
      stats,
    );
  } finally {
    await live.close();
  }
});

test('mqadmin creates and deletes a subscription group with its retry settings', async () => {
  const group = uniqueName('AdminGroup');
  const out = clean(
    await mqadmin('updateSubGroup', '-c', 'DefaultCluster', '-g', group, '-r', '3', '-q', '2'),
    'updateSubGroup',
  );
  assert.match(out, /retryMaxTimes=3/);
  assert.match(out, /retryQueueNums=2/);
  assert.match(
    clean(await mqadmin('deleteSubGroup', '-c', 'DefaultCluster', '-g', group), 'deleteSubGroup'),
    /success/,
  );
});

test('mqadmin finds messages by UNIQ_KEY id, offset id, key and queue offset, and prints them', async () => {
  const first = sent.find((s) => s.sent === 'sync');
  assert.ok(first?.msgId && first.offsetMsgId);
  for (const id of [first.msgId, first.offsetMsgId]) {
    const out = clean(await mqadmin('queryMsgById', '-t', TOPIC, '-i', id), `queryMsgById ${id}`);
    assert.match(out, new RegExp(`Topic:\\s+${TOPIC}`));
    assert.match(out, /Keys:\s+\[sync-key-0\]/);
  }
  const byKey = clean(
    await mqadmin('queryMsgByKey', '-t', TOPIC, '-k', 'sync-key-0'),
    'queryMsgByKey',
  );
  assert.match(byKey, new RegExp(first.msgId));
  const byUnique = clean(
    await mqadmin('queryMsgByUniqueKey', '-t', TOPIC, '-i', first.msgId),
    'queryMsgByUniqueKey',
  );
  assert.match(byUnique, /Tags:\s+\[TagA\]/);
  const byOffset = clean(
    await mqadmin('queryMsgByOffset', '-t', TOPIC, '-b', 'broker-a', '-i', '0', '-o', '0'),
    'queryMsgByOffset',
  );
  assert.match(byOffset, /OffsetID:/);
  const cq = clean(
    await mqadmin('queryCq', '-t', TOPIC, '-q', '0', '-i', '0', '-c', '2', '-b', brokerAddr()),
    'queryCq',
  );
  assert.match(cq, /max: \d+, min: 0/);
  assert.equal(
    (cq.match(/ConsumeQueueData\{physicOffset=\d+, physicSize=\d+/g) ?? []).length,
    2,
    cq,
  );
  const printed = clean(await mqadmin('printMsg', '-t', TOPIC), 'printMsg');
  for (const body of ['sync-0', 'async-3', 'oneway-1', 'batch-2'])
    assert.match(printed, new RegExp(`BODY: ${body}`));
});

test('mqadmin moves a group: resetOffsetByTime, cloneGroupOffset, skipAccumulatedMessage', async () => {
  const diffOf = async (group: string): Promise<number> => {
    // With -t the route comes from the topic: a cloned group has no retry topic of its own yet.
    const out = clean(
      await mqadmin('consumerProgress', '-g', group, '-t', TOPIC),
      'consumerProgress',
    );
    return out
      .split('\n')
      .filter((l) => l.startsWith(TOPIC))
      .reduce((n, l) => n + Number(l.split(/\s+/)[5]), 0);
  };
  clean(
    await mqadmin('resetOffsetByTime', '-g', GROUP, '-t', TOPIC, '-s', '0'),
    'resetOffsetByTime',
  );
  assert.equal(await diffOf(GROUP), 16, 'reset to the start: everything is behind again');
  const clone = uniqueName('CloneGID');
  assert.match(
    clean(
      await mqadmin('cloneGroupOffset', '-s', GROUP, '-d', clone, '-t', TOPIC),
      'cloneGroupOffset',
    ),
    /success/,
  );
  assert.equal(await diffOf(clone), 16, 'the clone has the same offsets');
  clean(
    await mqadmin('skipAccumulatedMessage', '-g', GROUP, '-t', TOPIC),
    'skipAccumulatedMessage',
  );
  assert.equal(await diffOf(GROUP), 0, 'skipped to the end');
});

test('mqadmin reads and changes the broker config: run-time keys apply, the rest are refused by name', async () => {
  const config = keyValues(
    clean(await mqadmin('getBrokerConfig', '-b', brokerAddr()), 'getBrokerConfig'),
  );
  assert.equal(config.get('brokerName'), 'broker-a');
  assert.equal(config.get('autoCreateTopicEnable'), 'true');
  clean(
    await mqadmin(
      'updateBrokerConfig',
      '-b',
      brokerAddr(),
      '-k',
      'autoCreateTopicEnable',
      '-v',
      'false',
    ),
    'updateBrokerConfig',
  );
  const after = keyValues(await mqadmin('getBrokerConfig', '-b', brokerAddr()));
  assert.equal(after.get('autoCreateTopicEnable'), 'false');
  await mqadmin(
    'updateBrokerConfig',
    '-b',
    brokerAddr(),
    '-k',
    'autoCreateTopicEnable',
    '-v',
    'true',
  );
  const refused = await mqadmin(
    'updateBrokerConfig',
    '-b',
    brokerAddr(),
    '-k',
    'flushDiskType',
    '-v',
    'SYNC_FLUSH',
  );
  assert.match(refused, /flushDiskType cannot change at run time/);
});

test('mqadmin wipeWritePerm makes the broker read-only in the routes; addWritePerm gives it back', async () => {
  assert.match(clean(await mqadmin('wipeWritePerm', '-b', 'broker-a'), 'wipeWritePerm'), /OK, \d+/);
  assert.match(await mqadmin('topicRoute', '-t', TOPIC), /"perm":4/);
  assert.match(clean(await mqadmin('addWritePerm', '-b', 'broker-a'), 'addWritePerm'), /OK, \d+/);
  assert.match(await mqadmin('topicRoute', '-t', TOPIC), /"perm":6/);
});

test('mqadmin reads the name server config and keeps KV config', async () => {
  assert.match(clean(await mqadmin('getNamesrvConfig'), 'getNamesrvConfig'), /listenPort\s+=/);
  assert.match(
    clean(
      await mqadmin('updateKvConfig', '-s', 'ORDER_TOPIC_CONFIG', '-k', TOPIC, '-v', 'broker-a:4'),
      'updateKvConfig',
    ),
    /success/,
  );
  assert.match(
    clean(
      await mqadmin('deleteKvConfig', '-s', 'ORDER_TOPIC_CONFIG', '-k', TOPIC),
      'deleteKvConfig',
    ),
    /success/,
  );
});
