/**
 * Interop with RocketMQ's own Java Remoting client (org.apache.rocketmq:rocketmq-client from Maven
 * Central, unmodified), the newest 5.x served and the last 4.x, against `rmq start`. The scenario
 * drivers are in java/client/src/RemotingScenarios.java; each prints JSON lines checked here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { launchStandalone, stop } from '../../bench/bench-util.ts';
import rmq from 'rocketmq-client-nodejs';
import { AdminClient } from '../../src/admin/admin-client.ts';
import { createClient } from '../../src/client/index.ts';
import { RequestCode } from '../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../src/remoting/protocol/response-code.ts';
import { testClient } from '../helpers/remoting-call.ts';
import { closeClient, quietLogger } from '../helpers/start-grpc.ts';
import { uniqueName } from '../helpers/start-cluster.ts';
import { buildJavaSuite, runJava, succeededRun } from '../helpers/java-toolchain.ts';

/** Client versions: the newest 5.x Maven Central serves here, and the last 4.x. */
const VERSIONS = ['5.5.0', '4.9.8'] as const;

let broker: { child: ChildProcess; namesrv: string; broker: string; grpc: string } | undefined;
let root = '';
let admin: AdminClient | undefined;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rmq-java-interop-'));
  broker = await launchStandalone(root, [
    '--enablePropertyFilter=true',
    // Retries wait level 3 + reconsume times; short levels keep the retry scenario short.
    `--messageDelayLevel=${Array.from({ length: 18 }, (_v, i) => `${(i + 1) * 100}ms`).join(' ')}`,
    '--transactionTimeOut=500',
    '--transactionCheckInterval=500',
    '--traceTopicEnable=true',
  ]);
  admin = new AdminClient({ namesrvAddr: broker.namesrv });
});

after(async () => {
  await admin?.shutdown();
  if (broker) await stop(broker.child);
  rmSync(root, { recursive: true, force: true });
});

interface Sent {
  sent: string;
  status?: string;
  msgId?: string;
  queueId?: number;
  queueOffset?: number;
}

interface Received {
  received: string;
  topic: string;
  body: string;
  tags: string;
  keys: string;
  msgId: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
  n: string | null;
  kind: string | null;
  receivedAt: number;
  sentAt: string | null;
  due: string | null;
  popCk: string | null;
}

const brokerAddr = (): string => {
  if (!broker) throw new Error('the broker did not start');
  return broker.broker;
};

const namesrv = (): string => {
  if (!broker) throw new Error('the broker did not start');
  return broker.namesrv;
};

for (const version of VERSIONS) {
  const v5 = version.startsWith('5.');
  let suite: ReturnType<typeof buildJavaSuite> | undefined;
  /** Runs one scenario of the driver with this client version; throws with its output when it fails. */
  const scenario = async (
    name: string,
    topic: string,
    group: string,
    count: number,
    extra = '',
    jvmArgs: string[] = [],
  ): Promise<Record<string, unknown>[]> => {
    suite ??= buildJavaSuite('client', { 'rocketmq.version': version });
    const args = [name, namesrv(), topic, group, String(count), ...(extra ? [extra] : [])];
    const run = await runJava(suite, 'RemotingScenarios', args, { timeoutMs: 120000, jvmArgs });
    return succeededRun(run, `${name} with rocketmq-client ${version}`);
  };
  const received = (events: Record<string, unknown>[]): Received[] =>
    events.filter((e) => 'received' in e) as unknown as Received[];
  const sent = (events: Record<string, unknown>[]): Sent[] =>
    events.filter((e) => 'sent' in e) as unknown as Sent[];

  test(`Java ${version}: sync, async, oneway and batch sends succeed with unique queue offsets, and a push consumer gets each once with its tag, keys and properties`, async () => {
    const topic = uniqueName('JavaSends');
    const produced = sent(await scenario('produce', topic, uniqueName('PID'), 4));
    assert.equal(produced.length, 4 * 3 + 1, 'every sync, async and oneway send and the batch');
    for (const s of produced.filter((x) => x.sent !== 'oneway'))
      assert.equal(s.status, 'SEND_OK', JSON.stringify(s));
    const slots = produced
      .filter((s) => s.sent === 'sync' || s.sent === 'async')
      .map((s) => `${s.queueId}@${s.queueOffset}`);
    assert.equal(new Set(slots).size, slots.length, `queue offsets are unique: ${slots.join(' ')}`);
    const got = received(await scenario('consume', topic, uniqueName('GID'), 16));
    const bodies = got.map((m) => m.body).sort();
    const expected = ['sync', 'async', 'oneway', 'batch']
      .flatMap((k) => [0, 1, 2, 3].map((i) => `${k}-${i}`))
      .sort();
    assert.deepEqual(bodies, expected, 'each message once');
    for (const m of got) {
      const i = Number(m.n);
      assert.equal(m.tags, i % 2 === 0 ? 'TagA' : 'TagB', m.body);
      assert.equal(m.keys, `${m.kind}-key-${i}`, m.body);
      assert.equal(m.body, `${m.kind}-${i}`);
      assert.equal(m.topic, topic);
      assert.equal(m.reconsumeTimes, 0);
    }
    const ids = new Map(produced.filter((s) => s.sent === 'sync').map((s) => [s.msgId, s]));
    for (const m of got.filter((x) => x.kind === 'sync'))
      assert.ok(ids.has(m.msgId), `the consumer sees the msgId the producer got: ${m.msgId}`);
  });

  test(`Java ${version}: a tag subscription and an SQL92 subscription each receive exactly what they select`, async () => {
    const topic = uniqueName('JavaFilter');
    await scenario('produce', topic, uniqueName('PID'), 4);
    const [byTag, bySql] = await Promise.all([
      scenario('consume', topic, uniqueName('GID'), 8, 'TagA'),
      scenario('consume', topic, uniqueName('GID'), 8, "sql:kind = 'sync' OR kind = 'batch'"),
    ]);
    const tagged = received(byTag);
    assert.equal(tagged.length, 8);
    assert.ok(
      tagged.every((m) => m.tags === 'TagA'),
      tagged.map((m) => m.body).join(' '),
    );
    assert.deepEqual(
      received(bySql)
        .map((m) => m.body)
        .sort(),
      ['batch-0', 'batch-1', 'batch-2', 'batch-3', 'sync-0', 'sync-1', 'sync-2', 'sync-3'],
    );
  });

  test(`Java ${version}: two broadcasting consumers of one group each receive every message`, async () => {
    const topic = uniqueName('JavaBroadcast');
    await scenario('produce', topic, uniqueName('PID'), 2);
    const group = uniqueName('GID');
    const runs = await Promise.all([
      scenario('consume-broadcast', topic, group, 8),
      scenario('consume-broadcast', topic, group, 8),
    ]);
    for (const r of runs) assert.equal(new Set(received(r).map((m) => m.body)).size, 8);
  });

  test(`Java ${version}: messages sent with a MessageQueueSelector are consumed orderly, each order in sequence on its queue`, async () => {
    const topic = uniqueName('JavaOrder');
    const produced = sent(await scenario('produce-ordered', topic, uniqueName('PID'), 24));
    const queueOf = new Map<number, number>();
    produced.forEach((s, i) => {
      const order = i % 4;
      const q = queueOf.get(order) ?? s.queueId ?? -1;
      assert.equal(s.queueId, q, `order ${order} stays on one queue`);
      queueOf.set(order, q);
    });
    const got = received(await scenario('consume-orderly', topic, uniqueName('GID'), 24));
    assert.equal(got.length, 24);
    for (let order = 0; order < 4; order++) {
      const steps = got
        .filter((m) => m.keys === `order-${order}`)
        .map((m) => Number(m.body.split('-step-')[1]));
      assert.deepEqual(steps, [0, 1, 2, 3, 4, 5], `order ${order} in sequence`);
    }
  });

  test(`Java ${version}: RECONSUME_LATER redelivers with a growing reconsumeTimes, and after maxReconsumeTimes the message is in %DLQ%group`, async () => {
    const topic = uniqueName('JavaRetry');
    await scenario('produce', topic, uniqueName('PID'), 1);
    const group = uniqueName('GID');
    // 4 messages (sync, async, oneway, batch), each delivered 1 + 2 times.
    const got = received(await scenario('consume-retry', topic, group, 4, '2'));
    for (const body of ['sync-0', 'async-0', 'oneway-0', 'batch-0']) {
      const times = got.filter((m) => m.body === body).map((m) => m.reconsumeTimes);
      assert.deepEqual(times, [0, 1, 2], `${body} delivered with reconsumeTimes 0, 1, 2`);
    }
    const stats = await (admin as AdminClient).topicStatus(`%DLQ%${group}`);
    assert.equal(
      stats.reduce((n, q) => n + q.maxOffset - q.minOffset, 0),
      4,
      'every message ends in the DLQ',
    );
  });

  test(`Java ${version}: delay-level${v5 ? ' and timer' : ''} messages arrive no earlier than due`, async () => {
    const topic = uniqueName('JavaDelay');
    // Level 10 is 1 s on this broker.
    await scenario('produce-delayed', topic, uniqueName('PID'), 2, '10');
    if (v5) await scenario('produce-delayed', topic, uniqueName('PID'), 2, 'timer:1500');
    const got = received(await scenario('consume', topic, uniqueName('GID'), v5 ? 4 : 2));
    assert.equal(got.length, v5 ? 4 : 2);
    for (const m of got) {
      const due = m.due !== null ? Number(m.due) : Number(m.sentAt) + 1000;
      assert.ok(m.receivedAt >= due, `${m.body} came ${due - m.receivedAt} ms before it was due`);
    }
  });

  test(`Java ${version}: a TransactionMQProducer's commits are delivered, rollbacks never, and an unknown state is resolved by a check-back`, async () => {
    const topic = uniqueName('JavaTx');
    const events = await scenario('transaction', topic, uniqueName('TPID'), 6);
    assert.deepEqual(
      events
        .filter((e) => 'checked' in e)
        .map((e) => e.checked)
        .sort(),
      ['2', '5'],
      'the broker checked back exactly the unknown ones',
    );
    const got = received(await scenario('consume', topic, uniqueName('GID'), 4));
    assert.deepEqual(got.map((m) => m.body).sort(), ['tx-0', 'tx-2', 'tx-3', 'tx-5']);
  });

  test(`Java ${version}: producer.request gets the reply a consumer sends with MessageUtil.createReplyMessage, pushed by the broker`, async () => {
    const topic = uniqueName('JavaRequest');
    await (admin as AdminClient).updateTopic([brokerAddr()], {
      topic,
      readQueueNums: 2,
      writeQueueNums: 2,
    });
    const events = await scenario('request-reply', topic, uniqueName('GID'), 3);
    const replies = events.filter((e) => 'reply' in e);
    assert.deepEqual(
      replies.map((e) => e.reply),
      ['reply-to-request-0', 'reply-to-request-1', 'reply-to-request-2'],
    );
    assert.ok(replies.every((e) => e.topic === 'DefaultCluster_REPLY_TOPIC'));
    assert.ok(
      events.filter((e) => 'replied' in e).every((e) => e.status === 'SEND_OK'),
      'each reply send is acknowledged',
    );
  });

  test(`Java ${version}: enableMsgTrace producers and consumers work and write their trace records to RMQ_SYS_TRACE_TOPIC`, async () => {
    const topic = uniqueName('JavaTraced');
    const events = await scenario('traced', topic, uniqueName('GID'), 3);
    const ids = sent(events).map((s) => s.msgId as string);
    assert.equal(received(events).length, 3);
    const traces = received(await scenario('consume', 'RMQ_SYS_TRACE_TOPIC', uniqueName('GID'), 1));
    const text = traces.map((t) => t.body).join('\n');
    // 5.5.0's consumer writes Sub records only for messages with a region (MSG_REGION), which
    // the broker sets on every message as RocketMQ's does.
    for (const kind of ['Pub', 'SubBefore', 'SubAfter'])
      assert.ok(text.includes(`${kind}\u0001`), `a ${kind} record: ${text.slice(0, 500)}`);
    for (const id of ids) assert.ok(text.includes(id), `the trace names ${id}`);
  });

  if (v5)
    test(`Java ${version}: bodies the producer compressed with LZ4, ZSTD and ZLIB read back whole through our SDK and through gRPC`, async (t) => {
      const topic = uniqueName('JavaCompressed');
      await (admin as AdminClient).updateTopic([brokerAddr()], { topic, writeQueueNums: 1 });
      const types = ['LZ4', 'ZSTD', 'ZLIB'];
      for (const type of types)
        await scenario('produce-large', topic, uniqueName('PID'), 1, '', [
          `-Drocketmq.message.compressType=${type}`,
        ]);
      const want = (body: string): boolean =>
        body.startsWith('large-0 large-0') && body.length >= 16 * 1024;
      // Our SDK, over Remoting (POP).
      const sdk = createClient({
        namesrvAddr: namesrv(),
        clientIP: '127.0.0.1',
        instanceName: uniqueName('sdk'),
      });
      t.after(() => sdk.shutdown());
      const simple = sdk.createSimpleConsumer({
        consumerGroup: uniqueName('GID'),
        awaitDuration: 500,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      });
      simple.subscribe(topic);
      await simple.start();
      t.after(() => simple.shutdown());
      const viaSdk: string[] = [];
      const deadline = Date.now() + 20000;
      while (viaSdk.length < 3 && Date.now() < deadline)
        for (const m of await simple.receive(8, 30000)) viaSdk.push(m.body.toString());
      assert.equal(viaSdk.length, 3);
      assert.ok(viaSdk.every(want), `SDK bodies: ${viaSdk.map((b) => b.slice(0, 30)).join(' | ')}`);
      // rocketmq-client-nodejs over our gRPC endpoint.
      const grpc = new rmq.SimpleConsumer({
        endpoints: broker?.grpc ?? '',
        namespace: '',
        consumerGroup: uniqueName('GID'),
        subscriptions: new Map([[topic, '*']]),
        awaitDuration: 1000,
        logger: quietLogger,
      });
      await grpc.startup();
      t.after(() => closeClient(grpc));
      const viaGrpc: string[] = [];
      const until = Date.now() + 20000;
      while (viaGrpc.length < 3 && Date.now() < until)
        for (const m of await grpc.receive(8, 30000)) viaGrpc.push(m.body.toString());
      assert.equal(viaGrpc.length, 3);
      assert.ok(
        viaGrpc.every(want),
        `gRPC bodies: ${viaGrpc.map((b) => b.slice(0, 30)).join(' | ')}`,
      );
    });

  if (v5)
    test(`Java ${version}: a push consumer with broker-side assignment reads by PULL, and by POP once the group's mode is set to POP`, async (t) => {
      const topic = uniqueName('JavaAssigned');
      await (admin as AdminClient).updateTopic([brokerAddr()], { topic, writeQueueNums: 4 });
      await scenario('produce', topic, uniqueName('PID'), 2);
      const pulled = received(await scenario('consume-assigned', topic, uniqueName('GID'), 8));
      assert.equal(new Set(pulled.map((m) => m.body)).size, 8, 'PULL by assignment: all once');
      assert.ok(
        pulled.every((m) => m.popCk === null),
        'pulled, not popped',
      );
      const group = uniqueName('GID');
      const { call } = testClient(t);
      const set = await call(
        brokerAddr(),
        RequestCode.SET_MESSAGE_REQUEST_MODE,
        {},
        {
          topic,
          consumerGroup: group,
          mode: 'POP',
          popShareQueueNum: -1,
        },
      );
      assert.equal(set.code, ResponseCode.SUCCESS, set.remark);
      const popped = received(await scenario('consume-assigned', topic, group, 8));
      assert.equal(new Set(popped.map((m) => m.body)).size, 8, 'POP by assignment: all once');
      assert.ok(
        popped.every((m) => typeof m.popCk === 'string' && m.popCk !== ''),
        'each came by POP (it carries its POP checkpoint)',
      );
    });

  test(`Java ${version}: a DefaultLitePullConsumer polls everything by subscription, and from a seek by assignment`, async () => {
    const topic = uniqueName('JavaLitePull');
    const produced = sent(await scenario('produce', topic, uniqueName('PID'), 4));
    const subscribed = received(
      await scenario('lite-pull-subscribe', topic, uniqueName('GID'), 16),
    );
    assert.equal(new Set(subscribed.map((m) => m.body)).size, 16);
    // From offset 1 of every queue: all but each queue's first message.
    const perQueue = new Map<number, number>();
    for (const m of subscribed) perQueue.set(m.queueId, (perQueue.get(m.queueId) ?? 0) + 1);
    const fromOne = [...perQueue.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const assigned = received(
      await scenario('lite-pull-assign', topic, uniqueName('GID'), fromOne, '1'),
    );
    assert.ok(assigned.length >= fromOne, `${assigned.length} of ${fromOne}`);
    assert.ok(
      assigned.every((m) => m.queueOffset >= 1),
      'nothing before the seek offset',
    );
    assert.ok(produced.length > 0);
  });
}
