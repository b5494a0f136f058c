/**
 * Replication between our brokers and Apache RocketMQ's (5.5.0 from Maven Central, unmodified),
 * both ways, over RocketMQ's classic HA protocol: a rocketmq-ts slave of an Apache master, and an
 * Apache slave of a rocketmq-ts master. Each slave finds its master through the name server, and
 * its CommitLog must end up byte-identical to the master's, with queues built from it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { BrokerController } from '../../src/broker/broker-controller.ts';
import { resolveBrokerConfigs } from '../../src/broker/broker-config.ts';
import { AdminClient } from '../../src/admin/admin-client.ts';
import { createClient } from '../../src/client/index.ts';
import { RemotingClient } from '../../src/remoting/transport/remoting-client.ts';
import { createRequest } from '../../src/remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../src/remoting/protocol/response-code.ts';
import { startApacheBroker, startApacheNamesrv } from '../helpers/apache-rocketmq.ts';
import { launchCluster, uniqueName } from '../helpers/start-cluster.ts';
import { waitUntil } from '../helpers/wait-for.ts';

const SEGMENT = 1024 * 1024;
const MESSAGES = 400;
const remoting = new RemotingClient({ logger: pino({ level: 'silent' }) });
after(() => remoting.shutdown());

/** A broker's CommitLog max offset, from its runtime info (any RocketMQ broker answers it). */
async function maxPhyOffset(brokerAddr: string): Promise<number> {
  const res = await remoting.invoke(
    brokerAddr,
    createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, 0, {}),
    3000,
  );
  assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
  const table = (JSON.parse(res.body?.toString() ?? '{}') as { table: Record<string, string> })
    .table;
  return Number(table.commitLogMaxOffset);
}

/** A queue's max offset as a broker reports it (GET_MAX_OFFSET). */
async function queueMaxOffset(brokerAddr: string, topic: string, queueId: number): Promise<number> {
  const res = await remoting.invoke(
    brokerAddr,
    createRequest(RequestCode.GET_MAX_OFFSET, 0, { topic, queueId: String(queueId) }),
    3000,
  );
  assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
  return Number(res.extFields?.offset);
}

/** The CommitLog bytes in [0, to) of the segment files in `dir`. */
function commitLogBytes(dir: string, to: number): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => /^\d{20}$/.test(n))
    .sort()) {
    const start = Number(name);
    if (start >= to) continue;
    parts.push(readFileSync(join(dir, name)).subarray(0, Math.min(SEGMENT, to - start)));
  }
  return Buffer.concat(parts);
}

/** Sends MESSAGES random 4 KiB bodies to `topic` through the cluster of `namesrvAddr`. */
async function sendAll(namesrvAddr: string, topic: string): Promise<void> {
  const client = createClient({
    namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('ha'),
  });
  const producer = client.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  try {
    for (let i = 0; i < MESSAGES; i += 20) {
      const sends = Array.from({ length: 20 }, (_v, j) =>
        producer.send({ topic, body: randomBytes(4096), keys: [`k-${i + j}`] }),
      );
      for (const r of await Promise.all(sends)) assert.equal(r.sendStatus, 'SEND_OK');
    }
  } finally {
    await producer.shutdown();
    await client.shutdown();
  }
}

async function createTopic(namesrvAddr: string, brokerAddr: string, topic: string): Promise<void> {
  const admin = new AdminClient({ namesrvAddr });
  try {
    await admin.updateTopic([brokerAddr], { topic, readQueueNums: 4, writeQueueNums: 4 });
  } finally {
    await admin.shutdown();
  }
}

test('a rocketmq-ts slave replicates an Apache RocketMQ master byte for byte and builds its queues', async (t) => {
  const ns = await startApacheNamesrv();
  t.after(() => ns.stop());
  const master = await startApacheBroker(ns.addr, { mappedFileSizeCommitLog: String(SEGMENT) });
  t.after(() => master.stop());
  const root = mkdtempSync(join(tmpdir(), 'rmq-ts-slave-'));
  const { broker: config, store } = resolveBrokerConfigs([
    {
      storePathRootDir: root,
      brokerName: 'broker-a',
      brokerId: 1,
      brokerRole: 'SLAVE',
      listenPort: 0,
      bindAddress: '127.0.0.1',
      brokerIP1: '127.0.0.1',
      namesrvAddr: ns.addr,
      mappedFileSizeCommitLog: SEGMENT,
      haSendHeartbeatInterval: 500,
    },
  ]);
  const slave = new BrokerController(config, store, pino({ level: 'silent' }));
  await slave.start();
  t.after(async () => {
    await slave.shutdown();
    rmSync(root, { recursive: true, force: true });
  });
  const topic = uniqueName('FromApache');
  await createTopic(ns.addr, master.addr, topic);
  await sendAll(ns.addr, topic);
  const masterMax = await maxPhyOffset(master.addr);
  assert.ok(masterMax > SEGMENT, `the data crosses a segment (${masterMax})`);
  await waitUntil(
    () => slave.store.getMaxPhyOffset() === masterMax,
    30000,
    `our slave reaches the Apache master's ${masterMax} (at ${slave.store.getMaxPhyOffset()})`,
  );
  assert.ok(
    commitLogBytes(join(root, 'commitlog'), masterMax).equals(
      commitLogBytes(join(master.base, 'store', 'commitlog'), masterMax),
    ),
    'the CommitLogs are identical',
  );
  let total = 0;
  for (let q = 0; q < 4; q++) {
    const max = slave.store.getMaxOffsetInQueue(topic, q);
    assert.equal(max, await queueMaxOffset(master.addr, topic, q), `queue ${q}`);
    total += max;
  }
  assert.equal(total, MESSAGES);
  assert.equal(
    slave.store.queryMessage(topic, `k-${MESSAGES - 1}`, 4, 0, Date.now() + 1000).messages.length,
    1,
    'our slave indexes the keys of the records it copied',
  );
  // The metadata too, from the fastjson bodies of the Apache master.
  await slave.slaveSync?.syncAll();
  assert.equal(slave.internals.topics.get(topic)?.writeQueueNums, 4, 'the topic config is copied');
  assert.ok(
    (slave.slaveSync?.lastSyncTimestamp ?? 0) > 0,
    'every metadata table of the Apache master is read',
  );
});

test('an Apache RocketMQ slave replicates a rocketmq-ts master byte for byte and builds its queues', async (t) => {
  const cluster = await launchCluster({ mappedFileSizeCommitLog: SEGMENT });
  t.after(() => cluster.stop());
  const slave = await startApacheBroker(cluster.namesrvAddr, {
    brokerId: '1',
    brokerRole: 'SLAVE',
    mappedFileSizeCommitLog: String(SEGMENT),
  });
  t.after(() => slave.stop());
  await waitUntil(
    () => cluster.broker.ha?.connectionCount === 1,
    30000,
    'the Apache slave connects to our HA port',
  );
  const topic = uniqueName('ToApache');
  await cluster.createTopic(topic, 4);
  await sendAll(cluster.namesrvAddr, topic);
  const masterMax = cluster.broker.store.getMaxPhyOffset();
  assert.ok(masterMax > SEGMENT, `the data crosses a segment (${masterMax})`);
  await waitUntil(
    async () => (await maxPhyOffset(slave.addr)) === masterMax,
    30000,
    `the Apache slave reaches our master's ${masterMax}`,
  );
  assert.ok(
    commitLogBytes(join(slave.base, 'store', 'commitlog'), masterMax).equals(
      commitLogBytes(join(cluster.root, 'commitlog'), masterMax),
    ),
    'the CommitLogs are identical',
  );
  for (let q = 0; q < 4; q++)
    await waitUntil(
      async () =>
        (await queueMaxOffset(slave.addr, topic, q)) ===
        cluster.broker.store.getMaxOffsetInQueue(topic, q),
      10000,
      `the Apache slave's queue ${q} holds what ours does`,
    );
});
