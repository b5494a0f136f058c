/**
 * Interop with ali-ons 3.12.0, a RocketMQ Remoting client written by others, used unmodified:
 * it must produce to and consume from our name server and broker exactly as from Apache RocketMQ.
 */
import { after, before, test } from 'node:test';
import { waitUntil } from '../helpers/wait-for.ts';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launchCluster, uniqueName, type TestCluster } from '../helpers/start-cluster.ts';
import { latch } from '../helpers/latch.ts';
import { createClient } from '../../src/client/index.ts';
import type { TestContext } from 'node:test';

interface OnsMessage {
  topic: string;
  tags: string;
  keys: string;
  body: Buffer;
  msgId: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
}
interface OnsEmitter {
  on(event: 'error', listener: (err: Error) => void): void;
}
interface OnsProducer extends OnsEmitter {
  ready(): Promise<void>;
  send(msg: unknown): Promise<{
    sendStatus: string;
    msgId: string;
    messageQueue: { queueId: number };
    queueOffset: number;
  }>;
  close(): Promise<void>;
}
interface OnsConsumer extends OnsEmitter {
  ready(): Promise<void>;
  /** The queues the consumer pulls and consumes now, by queue key (ali-ons' public getter). */
  readonly processQueueTable: Map<string, { messageQueue: { topic: string; queueId: number } }>;
  subscribe(topic: string, expression: string, handler: (msg: OnsMessage) => Promise<void>): void;
  close(): Promise<void>;
}
interface AliOns {
  Producer: new (options: Record<string, unknown>) => OnsProducer;
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tags: string, body: Buffer | string) => { keys: string[] };
}
const requireCjs = createRequire(import.meta.url);
const ons = requireCjs('ali-ons') as AliOns;

// One cluster for the file. ali-ons creates a static inner producer (CLIENT_INNER_PRODUCER) per
// process and never closes it; close it through the package's own static while the cluster is
// still up (its close() unregisters from the broker), then stop the cluster.
let shared: Awaited<ReturnType<typeof launchCluster>> | undefined;
before(async () => {
  shared = await launchCluster();
});
after(async () => {
  const MQProducer = requireCjs('ali-ons/lib/producer/mq_producer') as {
    defaultProducer?: { close(): Promise<void> };
  };
  await MQProducer.defaultProducer?.close();
  await shared?.stop();
});
const startCluster = (_t: TestContext): Promise<TestCluster> => {
  if (!shared) throw new Error('the shared cluster did not start');
  return Promise.resolve(shared);
};

/**
 * ali-ons' scheduled loops sleep a whole interval before noticing close(); short intervals let
 * the test process exit promptly after the clients close.
 */
const fastTimers = { pollNameServerInteval: 1000, heartbeatBrokerInterval: 1000 };

/**
 * ali-ons reports failures as 'error' events and prints them when nobody listens; during close()
 * it reports the in-flight requests its own close cut off. Kept here rather than printed; a
 * failure that matters shows up as a missing message or offset in the assertions.
 */
const clientErrors: Error[] = [];

const quietLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

async function producer(
  t: TestContext,
  cluster: TestCluster,
  instanceName = uniqueName('p'),
): Promise<OnsProducer> {
  const p = new ons.Producer({
    nameSrv: cluster.namesrvAddr,
    httpclient: {},
    producerGroup: uniqueName('PID'),
    instanceName,
    logger: quietLogger,
    ...fastTimers,
  });
  p.on('error', (err) => clientErrors.push(err));
  await p.ready();
  t.after(() => p.close());
  return p;
}

function consumer(
  t: TestContext,
  cluster: TestCluster,
  group: string,
  options: Record<string, unknown> = {},
): OnsConsumer {
  const c = new ons.Consumer({
    nameSrv: cluster.namesrvAddr,
    httpclient: {},
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    instanceName: uniqueName('c'),
    rebalanceInterval: 1000,
    persistConsumerOffsetInterval: 500,
    logger: quietLogger,
    ...fastTimers,
    ...options,
  });
  c.on('error', (err) => clientErrors.push(err));
  t.after(() => c.close());
  return c;
}

async function sendAll(
  p: OnsProducer,
  topic: string,
  count: number,
  tagOf: (i: number) => string,
  prefix = 'm',
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const msg = new ons.Message(topic, tagOf(i), Buffer.from(`${prefix}-${i}`));
    msg.keys = [`key-${prefix}-${i}`];
    const r = await p.send(msg);
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.match(r.msgId, /^7F000001[0-9A-F]{24}$/);
    ids.push(r.msgId);
  }
  return ids;
}

test('ali-ons produces messages with tags and keys and a group consumes them all', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('OnsTopic');
  await cluster.createTopic(topic);
  const p = await producer(t, cluster);
  const ids = await sendAll(p, topic, 20, (i) => (i % 2 ? 'TagB' : 'TagA'));
  const got = new Map<string, OnsMessage>();
  const all = latch(20, 20000, 'ali-ons messages');
  const c = consumer(t, cluster, uniqueName('GID'));
  c.subscribe(topic, '*', async (msg) => {
    if (!got.has(msg.msgId)) all.countDown();
    got.set(msg.msgId, msg);
  });
  await c.ready();
  await all.done;
  assert.deepEqual([...got.keys()].sort(), [...ids].sort());
  for (const msg of got.values()) {
    const i = Number(msg.body.toString().split('-')[1]);
    assert.equal(msg.tags, i % 2 ? 'TagB' : 'TagA');
    assert.equal(msg.keys, `key-m-${i}`);
  }
});

test('ali-ons tag-filtered subscription receives only its tags', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('OnsTags');
  await cluster.createTopic(topic);
  const p = await producer(t, cluster);
  await sendAll(p, topic, 30, (i) => ['TagA', 'TagB', 'TagC'][i % 3] ?? 'TagA');
  const seen: string[] = [];
  const wanted = latch(20, 20000, 'TagA and TagC messages');
  const marker = latch(1, 20000, 'marker');
  const c = consumer(t, cluster, uniqueName('GID'));
  c.subscribe(topic, 'TagA || TagC', async (msg) => {
    seen.push(msg.tags);
    if (msg.body.toString() === 'marker') marker.countDown();
    else wanted.countDown();
  });
  await c.ready();
  await wanted.done;
  // One more of the excluded tag, then one we want: the marker arriving proves the other was skipped.
  await p.send(new ons.Message(topic, 'TagB', Buffer.from('excluded')));
  await p.send(new ons.Message(topic, 'TagC', Buffer.from('marker')));
  await marker.done;
  assert.ok(!seen.includes('TagB'), `TagB delivered: ${seen.join(',')}`);
});

test('two ali-ons consumers of one group split the queues and together get everything; a second group gets it all again', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('OnsSplit');
  await cluster.createTopic(topic, 4);
  const group = uniqueName('GID');
  const byConsumer = [new Set<number>(), new Set<number>()];
  const bodies = new Set<string>();
  const total = 40;
  const all = latch(total, 30000, 'messages across two consumers');
  const onMessage = (index: number) => async (msg: OnsMessage) => {
    byConsumer[index]?.add(msg.queueId);
    if (!bodies.has(msg.body.toString())) {
      bodies.add(msg.body.toString());
      all.countDown();
    }
  };
  const c1 = consumer(t, cluster, group);
  c1.subscribe(topic, '*', onMessage(0));
  await c1.ready();
  const c2 = consumer(t, cluster, group);
  c2.subscribe(topic, '*', onMessage(1));
  await c2.ready();
  // Both are members before anything is sent; rebalancing runs every second in each.
  const consumers = cluster.broker.internals.consumers;
  await waitUntil(
    () => consumers.clientIds(group).length >= 2,
    10000,
    'consumers.clientIds(group).length >= 2',
  );
  assert.equal(consumers.clientIds(group).length, 2);
  // Each client rebalances on its own timer: wait until both have taken their share and dropped
  // the rest (ali-ons consumes only queues in its table), so no queue is consumed by both.
  const owned = (c: OnsConsumer): number[] =>
    [...c.processQueueTable.values()]
      .filter((e) => e.messageQueue.topic === topic)
      .map((e) => e.messageQueue.queueId);
  await waitUntil(
    () => {
      const [o1, o2] = [owned(c1), owned(c2)];
      return (
        o1.length > 0 &&
        o2.length > 0 &&
        new Set([...o1, ...o2]).size === 4 &&
        o1.length + o2.length === 4
      );
    },
    10000,
    'the two consumers own disjoint shares of the 4 queues',
  );
  const p = await producer(t, cluster);
  await sendAll(p, topic, total, () => 'T');
  await all.done;
  assert.equal(bodies.size, total);
  const [q1, q2] = byConsumer;
  assert.ok(
    q1 && q2 && q1.size > 0 && q2.size > 0,
    `queues: ${[...(q1 ?? [])].join(',')} / ${[...(q2 ?? [])].join(',')}`,
  );
  assert.deepEqual(
    [...(q1 ?? [])].filter((q) => q2?.has(q)),
    [],
    'a queue went to both consumers',
  );
  const again = latch(total, 30000, 'second group');
  const second = new Set<string>();
  const c3 = consumer(t, cluster, uniqueName('GID'));
  c3.subscribe(topic, '*', async (msg) => {
    if (!second.has(msg.body.toString())) {
      second.add(msg.body.toString());
      again.countDown();
    }
  });
  await c3.ready();
  await again.done;
  assert.equal(second.size, total);
});

test('a restarted ali-ons consumer resumes from its committed offset', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('OnsResume');
  await cluster.createTopic(topic, 2);
  const group = uniqueName('GID');
  const p = await producer(t, cluster);
  await sendAll(p, topic, 10, () => 'T', 'first');
  const firstRun = latch(10, 20000, 'first run');
  const c1 = consumer(t, cluster, group);
  c1.subscribe(topic, '*', async () => firstRun.countDown());
  await c1.ready();
  await firstRun.done;
  // Offsets are committed on close (UPDATE_CONSUMER_OFFSET per queue). ali-ons commits the lowest
  // offset it has not finished, so a message in flight at close() may come again (at-least-once).
  await c1.close();
  const offsets = cluster.broker.internals.offsets;
  const committed = offsets.query(group, topic, 0) + offsets.query(group, topic, 1);
  assert.ok(committed >= 8 && committed <= 10, `committed ${committed} of 10`);
  await sendAll(p, topic, 5, () => 'T', 'second');
  const secondRun: string[] = [];
  const expected = 5 + (10 - committed);
  const resumed = latch(expected, 20000, 'second run');
  const c2 = consumer(t, cluster, group);
  c2.subscribe(topic, '*', async (msg) => {
    secondRun.push(msg.body.toString());
    resumed.countDown();
  });
  await c2.ready();
  await resumed.done;
  // Exactly the uncommitted tail of the first batch comes again, then everything new.
  assert.equal(secondRun.filter((b) => b.startsWith('first-')).length, 10 - committed);
  assert.equal(secondRun.filter((b) => b.startsWith('second-')).length, 5);
});

test('messages from the rocketmq-ts producer reach an ali-ons consumer, compressed bodies included', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('ToOns');
  await cluster.createTopic(topic, 2);
  const sdk = createClient({
    namesrvAddr: cluster.namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('sdk'),
  });
  const producer = sdk.createProducer({ producerGroup: uniqueName('PID') });
  await producer.start();
  t.after(async () => {
    await producer.shutdown();
    await sdk.shutdown();
  });
  const big = Buffer.alloc(20000, 'rocketmq-ts ');
  await producer.send({ topic, body: 'small', tags: 'TagS', keys: ['ks'] });
  await producer.send({ topic, body: big, tags: 'TagL' });
  const got = new Map<string, OnsMessage>();
  const both = latch(2, 20000, 'ali-ons receives rocketmq-ts messages');
  const c = consumer(t, cluster, uniqueName('GID'));
  c.subscribe(topic, '*', async (msg) => {
    if (!got.has(msg.tags)) both.countDown();
    got.set(msg.tags, msg);
  });
  await c.ready();
  await both.done;
  assert.equal(got.get('TagS')?.body.toString(), 'small');
  assert.equal(got.get('TagS')?.keys, 'ks');
  assert.ok(got.get('TagL')?.body.equals(big), 'ali-ons inflated the compressed body');
});

test('messages from an ali-ons producer are read by the rocketmq-ts pull consumer with the same ids', async (t) => {
  const cluster = await startCluster(t);
  const topic = uniqueName('FromOns');
  await cluster.createTopic(topic, 1);
  const p = await producer(t, cluster);
  const ids = await sendAll(p, topic, 5, () => 'TagO', 'ons');
  const sdk = createClient({
    namesrvAddr: cluster.namesrvAddr,
    clientIP: '127.0.0.1',
    instanceName: uniqueName('sdk'),
  });
  const pull = sdk.createPullConsumer({ consumerGroup: uniqueName('GID') });
  await pull.start();
  t.after(async () => {
    await pull.shutdown();
    await sdk.shutdown();
  });
  const [queue] = await pull.fetchSubscribeMessageQueues(topic);
  assert.ok(queue);
  const r = await pull.pull(queue, 'TagO', 0, 32);
  assert.equal(r.pullStatus, 'FOUND');
  assert.deepEqual(
    r.messages.map((m) => m.msgId),
    ids,
    'without UNIQ_KEY the id is the offset id, as ali-ons sees it',
  );
  assert.deepEqual(
    r.messages.map((m) => m.body.toString()),
    [0, 1, 2, 3, 4].map((i) => `ons-${i}`),
  );
  assert.deepEqual(r.messages[2]?.keys, ['key-ons-2']);
});
