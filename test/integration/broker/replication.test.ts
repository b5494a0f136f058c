/**
 * Master/slave replication over the HA channel (RocketMQ's classic protocol): real brokers in
 * this process on real ports, a name server between them, files in a temp folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerController } from '../../../src/broker/broker-controller.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { createClient } from '../../../src/client/index.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import {
  startAnotherBroker,
  startCluster,
  uniqueName,
  type TestCluster,
} from '../../helpers/start-cluster.ts';
import { testClient } from '../../helpers/remoting-call.ts';
import { waitUntil } from '../../helpers/wait-for.ts';
import { rmqAdminOk } from '../../helpers/rmq-admin.ts';

/** A slave of the cluster's broker-a, with its store in `folder`. */
function startSlave(
  cluster: TestCluster,
  folder = 'broker-a-s',
  overrides: Record<string, unknown> = {},
): ReturnType<typeof startAnotherBroker> {
  return startAnotherBroker(
    cluster,
    'broker-a',
    { brokerRole: 'SLAVE', brokerId: 1, haSendHeartbeatInterval: 200, ...overrides },
    folder,
  );
}

/** Waits until the slave's CommitLog ends where the master's does. */
async function caughtUp(master: BrokerController, slave: BrokerController): Promise<void> {
  await waitUntil(
    () => slave.store.getMaxPhyOffset() === master.store.getMaxPhyOffset(),
    20000,
    `the slave reaches the master's max offset ${master.store.getMaxPhyOffset()} (at ${slave.store.getMaxPhyOffset()})`,
  );
}

/** The CommitLog bytes of a broker in [from, to), read from its segment files. */
function commitLogBytes(broker: BrokerController, from: number, to: number): Buffer {
  const dir = join(broker.store.config.storePathRootDir, 'commitlog');
  const size = broker.store.config.mappedFileSizeCommitLog;
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => /^\d{20}$/.test(n))
    .sort()) {
    const start = Number(name);
    if (start + size <= from || start >= to) continue;
    const file = readFileSync(join(dir, name));
    parts.push(file.subarray(Math.max(0, from - start), Math.min(size, to - start)));
  }
  return Buffer.concat(parts);
}

/** Sends `count` messages of `bytes` random (incompressible) bytes to `topic`, 16 at a time, with keys `${prefix}-i`. */
async function sendMany(
  t: Parameters<typeof sdkClient>[0],
  cluster: TestCluster,
  topic: string,
  count: number,
  bytes: number,
  prefix: string,
): Promise<void> {
  const producer = await started(
    t,
    sdkClient(t, cluster).createProducer({ producerGroup: uniqueName('PID') }),
  );
  for (let i = 0; i < count; i += 16) {
    const sends = [];
    for (let j = i; j < Math.min(count, i + 16); j++)
      sends.push(producer.send({ topic, body: randomBytes(bytes), keys: [`${prefix}-${j}`] }));
    for (const r of await Promise.all(sends)) assert.equal(r.sendStatus, 'SEND_OK');
  }
}

test('a slave copies the master CommitLog byte for byte across segments, builds its own queues and index, and serves the same records', async (t) => {
  const cluster = await startCluster(t);
  const slave = await startSlave(cluster);
  const topic = uniqueName('Replicated');
  await cluster.createTopic(topic, 4);
  // ~2.6 MiB in 1 MiB segments: the copy rolls segments and crosses their BLANK tails.
  await sendMany(t, cluster, topic, 600, 4096, 'k');
  const master = cluster.broker;
  await caughtUp(master, slave.broker);
  const max = master.store.getMaxPhyOffset();
  assert.ok(max > 2 * 1024 * 1024, `the data spans three segments (${max} bytes)`);
  assert.ok(
    commitLogBytes(slave.broker, 0, max).equals(commitLogBytes(master, 0, max)),
    'the CommitLogs are identical',
  );
  for (let q = 0; q < 4; q++) {
    const expected = master.store.getMaxOffsetInQueue(topic, q);
    assert.equal(slave.broker.store.getMaxOffsetInQueue(topic, q), expected, `queue ${q}`);
    const fromSlave = slave.broker.store.getMessage({
      topic,
      queueId: q,
      offset: 0,
      maxMsgNums: 32,
    });
    const fromMaster = master.store.getMessage({ topic, queueId: q, offset: 0, maxMsgNums: 32 });
    assert.equal(fromSlave.status, 'FOUND');
    assert.deepEqual(fromSlave.messages, fromMaster.messages, `the records of queue ${q}`);
  }
  const now = Date.now();
  const byKey = slave.broker.store.queryMessage(topic, 'k-599', 4, 0, now + 1000);
  assert.equal(byKey.messages.length, 1, 'the slave indexes keys itself');
});

test('a slave refuses sends with SERVICE_NOT_AVAILABLE and says it is a slave', async (t) => {
  const cluster = await startCluster(t);
  const slave = await startSlave(cluster);
  const { call } = testClient(t);
  const res = await call(
    slave.broker.brokerAddr,
    RequestCode.SEND_MESSAGE,
    {
      producerGroup: 'PID',
      topic: uniqueName('ToSlave'),
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: '4',
      queueId: '0',
      sysFlag: '0',
      bornTimestamp: String(Date.now()),
      flag: '0',
      properties: '',
      reconsumeTimes: '0',
      unitMode: 'false',
      batch: 'false',
    },
    Buffer.from('x'),
  );
  assert.equal(res.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  assert.match(res.remark ?? '', /slave/);
  assert.equal(slave.broker.store.getMaxPhyOffset(), cluster.broker.store.getMaxPhyOffset());
});

test('a slave stopped while the master takes more resumes from its own max offset', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('Resumed');
  await cluster.createTopic(topic, 2);
  let slave = await startSlave(cluster);
  await sendMany(t, cluster, topic, 200, 2048, 'a');
  await caughtUp(cluster.broker, slave.broker);
  const before = slave.broker.store.getMaxPhyOffset();
  await slave.stop();
  await sendMany(t, cluster, topic, 300, 2048, 'b');
  slave = await startSlave(cluster);
  assert.equal(slave.broker.store.getMaxPhyOffset(), before, 'the restarted slave has what it had');
  await caughtUp(cluster.broker, slave.broker);
  const max = cluster.broker.store.getMaxPhyOffset();
  assert.ok(commitLogBytes(slave.broker, 0, max).equals(commitLogBytes(cluster.broker, 0, max)));
  for (let q = 0; q < 2; q++)
    assert.equal(
      slave.broker.store.getMaxOffsetInQueue(topic, q),
      cluster.broker.store.getMaxOffsetInQueue(topic, q),
    );
});

test('a new slave of a master past its first segment starts at the master current segment', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('Late');
  await cluster.createTopic(topic, 1);
  await sendMany(t, cluster, topic, 300, 8192, 'l');
  const segment = cluster.broker.store.config.mappedFileSizeCommitLog;
  const from =
    cluster.broker.store.getMaxPhyOffset() - (cluster.broker.store.getMaxPhyOffset() % segment);
  assert.ok(from >= 2 * segment, `the master is in its third segment (${from})`);
  const slave = await startSlave(cluster);
  await caughtUp(cluster.broker, slave.broker);
  assert.equal(slave.broker.store.getMinPhyOffset(), from);
  const max = cluster.broker.store.getMaxPhyOffset();
  assert.ok(
    commitLogBytes(slave.broker, from, max).equals(commitLogBytes(cluster.broker, from, max)),
    'the CommitLogs are identical from there',
  );
  const first = cluster.broker.store.getMessage({
    topic,
    queueId: 0,
    offset: slave.broker.store.getMinOffsetInQueue(topic, 0),
    maxMsgNums: 1,
  });
  const got = slave.broker.store.getMessage({
    topic,
    queueId: 0,
    offset: slave.broker.store.getMinOffsetInQueue(topic, 0),
    maxMsgNums: 1,
  });
  assert.deepEqual(got.messages, first.messages, 'its queue starts with the first record it has');
  assert.equal(slave.broker.store.getMaxOffsetInQueue(topic, 0), 300);
});

test('a SYNC_MASTER answers SLAVE_NOT_AVAILABLE with no slave and SEND_OK once a slave has the bytes', async (t) => {
  const cluster = await startCluster(t, { brokerRole: 'SYNC_MASTER' });
  const topic = uniqueName('Sync');
  await cluster.createTopic(topic, 2);
  const producer = await started(
    t,
    sdkClient(t, cluster).createProducer({ producerGroup: uniqueName('PID') }),
  );
  const alone = await producer.send({ topic, body: 'no slave yet' });
  assert.equal(alone.sendStatus, 'SLAVE_NOT_AVAILABLE');
  const slave = await startSlave(cluster);
  await waitUntil(() => cluster.broker.ha?.connectionCount === 1, 10000, 'the slave connects');
  const sends = await Promise.all(
    Array.from({ length: 64 }, (_v, i) => producer.send({ topic, body: `sync-${i}` })),
  );
  assert.deepEqual(new Set(sends.map((s) => s.sendStatus)), new Set(['SEND_OK']));
  // Acknowledged means the slave has it: no waiting needed here.
  const last = Math.max(...sends.map((s) => Number.parseInt(s.offsetMsgId.slice(16), 16)));
  assert.ok(slave.broker.store.getMaxPhyOffset() > last, 'every acknowledged send is on the slave');
});

test('a slave copies its master topics, subscription groups, consumer offsets and delay offsets, at once and on every interval', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('Meta');
  const group = uniqueName('GID');
  await cluster.createTopic(topic, 3);
  const { call } = testClient(t);
  const master = cluster.brokerAddr;
  const created = await call(
    master,
    RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
    {},
    {
      groupName: group,
      consumeEnable: true,
      consumeBroadcastEnable: false,
      retryMaxTimes: 7,
    },
  );
  assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
  const commit = (offset: number) =>
    call(master, RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: '1',
      commitOffset: String(offset),
    });
  assert.equal((await commit(5)).code, ResponseCode.SUCCESS);
  const producer = await started(
    t,
    sdkClient(t, cluster).createProducer({ producerGroup: uniqueName('PID') }),
  );
  await producer.send({ topic, body: 'later', properties: { DELAY: '1' } });
  await waitUntil(
    () => (cluster.broker.internals.delayOffsets()['1'] ?? 0) > 0,
    10000,
    'the master delivers the level-1 message',
  );
  const slave = await startSlave(cluster, 'broker-a-s', { slaveSynchronizeInterval: 200 });
  const sync = slave.broker.slaveSync;
  assert.ok(sync);
  await waitUntil(() => sync.lastSyncTimestamp > 0, 10000, 'the slave copies the metadata');
  const s = slave.broker.internals;
  assert.equal(s.topics.get(topic)?.readQueueNums, 3);
  assert.deepEqual(s.topics.version, cluster.broker.internals.topics.version);
  assert.equal(s.groups.get(group)?.retryMaxTimes, 7);
  assert.equal(s.offsets.query(group, topic, 1), 5);
  const delay = JSON.parse(
    readFileSync(
      join(slave.broker.store.config.storePathRootDir, 'config', 'delayOffset.json'),
      'utf8',
    ),
  ) as { offsetTable: Record<string, number> };
  assert.deepEqual(delay.offsetTable, cluster.broker.internals.delayOffsets());
  assert.equal((await commit(9)).code, ResponseCode.SUCCESS);
  await waitUntil(
    () => s.offsets.query(group, topic, 1) === 9,
    10000,
    'the next pass copies the new offset',
  );
});

test('rmq admin haStatus shows a master its slave and how far behind it is, and a slave its master', async (t) => {
  const cluster = await startCluster(t);
  const slave = await startSlave(cluster);
  const topic = uniqueName('Status');
  await cluster.createTopic(topic, 1);
  await sendMany(t, cluster, topic, 20, 1024, 's');
  await caughtUp(cluster.broker, slave.broker);
  const max = cluster.broker.store.getMaxPhyOffset();
  await waitUntil(
    () => cluster.broker.ha?.slaveAckOffset === max,
    10000,
    'the slave acknowledges the master max offset',
  );
  const onMaster = await rmqAdminOk(
    'haStatus',
    '-n',
    cluster.namesrvAddr,
    '-b',
    cluster.brokerAddr,
  );
  assert.match(
    onMaster,
    new RegExp(`#MasterCommitLogMaxOffset\\t${max}\\n#SlaveNum\\t1\\n#InSyncSlaveNum\\t1`),
  );
  assert.match(onMaster, new RegExp(`127\\.0\\.0\\.1:\\d+ +${max} +0 +[\\d.]+ +OK `));
  const byCluster = await rmqAdminOk('haStatus', '-n', cluster.namesrvAddr, '-c', 'DefaultCluster');
  assert.match(byCluster, /#SlaveNum\t1/);
  const onSlave = await rmqAdminOk(
    'haStatus',
    '-n',
    cluster.namesrvAddr,
    '-b',
    slave.broker.brokerAddr,
  );
  assert.match(
    onSlave,
    new RegExp(
      `#MasterAddr\\t127\\.0\\.0\\.1:${cluster.broker.ha?.port}\\n#CommitLogMaxOffset\\t${max}\\n`,
    ),
  );
  const runtime = await rmqAdminOk(
    'brokerStatus',
    '-n',
    cluster.namesrvAddr,
    '-b',
    cluster.brokerAddr,
  );
  assert.match(runtime, /inSyncSlaveNums\s+: 1\n/);
  assert.match(runtime, /slaveFallBehindMuch\s+: 0\n/);
});

test('with slaveReadEnable a cold backlog is read from the slave, warm reads go back to the master, and reads go on from the slave while the master is down', async (t) => {
  // Ratio 0: every backlog counts as cold on the master; the slave (100) never finds one cold.
  const cluster = await startCluster(t, {
    slaveReadEnable: true,
    accessMessageInMemoryMaxRatio: 0,
  });
  const slave = await startSlave(cluster, 'broker-a-s', {
    slaveReadEnable: true,
    accessMessageInMemoryMaxRatio: 100,
  });
  const topic = uniqueName('SlaveRead');
  await cluster.createTopic(topic, 1);
  await sendMany(t, cluster, topic, 20, 256, 'r');
  await caughtUp(cluster.broker, slave.broker);
  await waitUntil(
    () => slave.broker.internals.topics.get(topic) !== undefined,
    10000,
    'the slave copies the new topic, seen in the records it replicates',
  );
  const client = createClient({
    namesrvAddr: cluster.namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('reader'),
    pollNameServerInterval: 100,
  });
  t.after(() => client.shutdown());
  const consumer = await started(
    t,
    client.createPullConsumer({ consumerGroup: uniqueName('GID') }),
  );
  const queue = { topic, brokerName: 'broker-a', queueId: 0 };
  const gets = (b: BrokerController): number =>
    Number(b.internals.stats.runtimeInfo().msgGetTotalTodayNow);
  const read = async (offset: number): Promise<{ from: string; next: number }> => {
    const [m, s] = [gets(cluster.broker), gets(slave.broker)];
    const r = await consumer.pull(queue, '*', offset, 4);
    assert.equal(r.pullStatus, 'FOUND');
    const from = gets(cluster.broker) > m ? 'master' : gets(slave.broker) > s ? 'slave' : '?';
    return { from, next: r.nextBeginOffset };
  };
  const first = await read(0);
  assert.equal(first.from, 'master', 'the first pull goes to the master');
  const second = await read(first.next);
  assert.equal(second.from, 'slave', 'the master sent the cold backlog to the slave');
  const third = await read(second.next);
  assert.equal(third.from, 'master', 'the slave sent the caught-up consumer back');
  await cluster.broker.shutdown();
  // Pulls fail until the client's route (refreshed every 100 ms) loses the master.
  let fourth: { from: string } | undefined;
  await waitUntil(
    async () => (fourth = await read(third.next).catch(() => undefined)) !== undefined,
    10000,
    'a pull succeeds with the master down',
  );
  assert.equal(fourth?.from, 'slave', 'with the master down, the slave serves');
});
