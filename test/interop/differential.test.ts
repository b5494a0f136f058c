/**
 * Differential check: the same requests against Apache RocketMQ 5.5.0's own name server and broker
 * (from Maven Central, unmodified) and against `rmq start`, observed field by field. What differs
 * on purpose is listed, with its reason, in KNOWN_DIFFERENCES (test/interop/known-differences.ts);
 * a listed difference must be exactly as listed, and anything else must be equal.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { launchStandalone, stop } from '../../bench/bench-util.ts';
import { mapEntries } from '../../src/common/protocol-data/java-json.ts';
import { encodeProperties } from '../../src/common/message/message-properties.ts';
import { RequestCode } from '../../src/remoting/protocol/request-code.ts';
import type { RemotingCommand } from '../../src/remoting/protocol/remoting-command.ts';
import { startApacheRocketMQ, type ApacheRocketMQ } from '../helpers/apache-rocketmq.ts';
import { jsonBody, testClient } from '../helpers/remoting-call.ts';
import { uniqueName } from '../helpers/start-cluster.ts';
import { waitUntil } from '../helpers/wait-for.ts';
import {
  buildJavaSuite,
  MqadminSession,
  runJava,
  succeededRun,
} from '../helpers/java-toolchain.ts';
import { KNOWN_DIFFERENCES, type Side } from './known-differences.ts';

interface Target {
  namesrv: string;
  broker: string;
}

let apache: ApacheRocketMQ | undefined;
let ours: { child: ChildProcess; namesrv: string; broker: string } | undefined;
let root = '';

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rmq-differential-'));
  // Both with RocketMQ's defaults, SQL92 filtering on.
  [apache, ours] = await Promise.all([
    startApacheRocketMQ({ enablePropertyFilter: 'true' }),
    launchStandalone(root, ['--enablePropertyFilter=true']),
  ]);
});

after(async () => {
  await apache?.stop();
  if (ours) await stop(ours.child);
  rmSync(root, { recursive: true, force: true });
});

const targets = (): Record<Side, Target> => {
  if (!apache || !ours) throw new Error('a broker did not start');
  return { apache, ours };
};

type Observation = Record<string, unknown>;

/**
 * Runs `observe` on both brokers and compares: each listed difference of this observation must
 * hold exactly on each side and is then set aside; what remains must be equal.
 */
async function differential(
  t: TestContext,
  name: string,
  observe: (target: Target, call: Call) => Promise<Observation>,
): Promise<void> {
  const { call } = testClient(t);
  const both = targets();
  const seen = {
    apache: await observe(both.apache, call),
    ours: await observe(both.ours, call),
  };
  for (const d of KNOWN_DIFFERENCES.filter((k) => k.observation === name)) {
    for (const side of ['apache', 'ours'] as const) {
      assert.deepEqual(
        seen[side][d.field],
        d[side],
        `${name}.${d.field} on ${side} is as known-differences.ts says (${d.reason})`,
      );
      delete seen[side][d.field];
    }
  }
  assert.deepEqual(
    seen.ours,
    seen.apache,
    `${name}: rocketmq-ts observes as Apache RocketMQ\nours:   ${JSON.stringify(seen.ours)}\napache: ${JSON.stringify(seen.apache)}`,
  );
}

type Call = ReturnType<typeof testClient>['call'];

const sendHeader = (topic: string, extra: Record<string, string> = {}) => ({
  producerGroup: 'PID_DIFF',
  topic,
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: '4',
  queueId: '0',
  sysFlag: '0',
  bornTimestamp: String(Date.now()),
  flag: '0',
  properties: encodeProperties(new Map([['UNIQ_KEY', uniqueName('ID').replace(/\W/g, '')]])),
  reconsumeTimes: '0',
  ...extra,
});

const outcome = (r: RemotingCommand) => ({ code: r.code, hasRemark: (r.remark ?? '') !== '' });

async function createTopic(
  call: Call,
  target: Target,
  topic: string,
  queues: number,
  perm = 6,
): Promise<void> {
  const r = await call(target.broker, RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic,
    defaultTopic: 'TBW102',
    readQueueNums: String(queues),
    writeQueueNums: String(queues),
    perm: String(perm),
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: '0',
    order: 'false',
  });
  assert.equal(r.code, 0, `create ${topic} on ${target.broker}: ${r.remark}`);
  // Apache registers a new topic with the name server in the background: wait for the route.
  await waitUntil(
    async () =>
      (await call(target.namesrv, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic })).code === 0,
    10000,
    `the route of ${topic} at ${target.namesrv}`,
  );
}

test('differential: a send refused for its topic or body gets the same response code', async (t) => {
  await differential(t, 'send-refusals', async (target, call) => {
    const readOnly = uniqueName('DiffRO');
    await createTopic(call, target, readOnly, 1, 4);
    const ok = uniqueName('DiffOK');
    await createTopic(call, target, ok, 1);
    const send = (topic: string, body: Buffer) =>
      call(target.broker, RequestCode.SEND_MESSAGE, sendHeader(topic), body);
    return {
      illegalName: outcome(await send('bad#topic', Buffer.from('x'))),
      tooLong: outcome(await send('T'.repeat(200), Buffer.from('x'))),
      readOnlyTopic: outcome(await send(readOnly, Buffer.from('x'))),
      systemTopic: outcome(await send('SCHEDULE_TOPIC_XXXX', Buffer.from('x'))),
      oversizedBody: outcome(await send(ok, Buffer.alloc(4 * 1024 * 1024 + 1, 1))),
      queueOutOfRange: outcome(
        await call(
          target.broker,
          RequestCode.SEND_MESSAGE,
          sendHeader(ok, { queueId: '5' }),
          Buffer.from('x'),
        ),
      ),
      accepted: outcome(await send(ok, Buffer.from('x'))),
    };
  });
});

test('differential: a created topic routes the same queues, perm and broker layout from the name server', async (t) => {
  await differential(t, 'route', async (target, call) => {
    const topic = uniqueName('DiffRoute');
    await createTopic(call, target, topic, 3);
    const route = jsonBody<{
      queueDatas: {
        brokerName: string;
        readQueueNums: number;
        writeQueueNums: number;
        perm: number;
        topicSysFlag: number;
      }[];
      brokerDatas: { cluster: string; brokerName: string; brokerAddrs: Record<string, string> }[];
    }>(await call(target.namesrv, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }));
    return {
      queueDatas: route.queueDatas.map((q) => ({
        brokerName: q.brokerName,
        readQueueNums: q.readQueueNums,
        writeQueueNums: q.writeQueueNums,
        perm: q.perm,
        topicSysFlag: q.topicSysFlag,
      })),
      brokerDatas: route.brokerDatas.map((b) => ({
        cluster: b.cluster,
        brokerName: b.brokerName,
        brokerIds: Object.keys(b.brokerAddrs),
      })),
    };
  });
});

test('differential: pulls at, past and beyond the end answer the same status and next offsets', async (t) => {
  await differential(t, 'pull', async (target, call) => {
    const topic = uniqueName('DiffPull');
    await createTopic(call, target, topic, 1);
    for (let i = 0; i < 2; i++)
      await call(target.broker, RequestCode.SEND_MESSAGE, sendHeader(topic), Buffer.from(`m${i}`));
    // Apache serves pulls only for a group with a live consumer, at its subscription's version.
    const subVersion = Date.now();
    const hb = await call(
      target.broker,
      RequestCode.HEART_BEAT,
      {},
      {
        clientID: uniqueName('diff-client'),
        producerDataSet: [],
        consumerDataSet: [
          {
            groupName: 'GID_DIFF',
            consumeType: 'CONSUME_PASSIVELY',
            messageModel: 'CLUSTERING',
            consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
            unitMode: false,
            subscriptionDataSet: [
              {
                topic,
                subString: '*',
                tagsSet: [],
                codeSet: [],
                subVersion,
                expressionType: 'TAG',
                classFilterMode: false,
              },
            ],
          },
        ],
      },
    );
    assert.equal(hb.code, 0, hb.remark);
    const pull = async (offset: number) => {
      const r = await call(target.broker, RequestCode.PULL_MESSAGE, {
        consumerGroup: 'GID_DIFF',
        topic,
        queueId: '0',
        queueOffset: String(offset),
        maxMsgNums: '32',
        sysFlag: '4', // SUBSCRIPTION, no SUSPEND: answer at once
        commitOffset: '0',
        suspendTimeoutMillis: '0',
        subscription: '*',
        subVersion: String(subVersion),
        expressionType: 'TAG',
      });
      return {
        code: r.code,
        nextBeginOffset: r.extFields?.nextBeginOffset,
        minOffset: r.extFields?.minOffset,
        maxOffset: r.extFields?.maxOffset,
        bytes: r.code === 0 ? (r.body?.length ?? 0) > 0 : false,
      };
    };
    return { atStart: await pull(0), atEnd: await pull(2), beyond: await pull(7) };
  });
});

test('differential: the Java client sends, consumes and commits alike: stored counts, queue offsets and consume stats', async (t) => {
  const suite = buildJavaSuite('client', { 'rocketmq.version': '5.5.0' });
  await differential(t, 'java-produce-consume', async (target, call) => {
    const topic = uniqueName('DiffJava');
    await createTopic(call, target, topic, 4);
    const group = uniqueName('GID');
    const java = async (...args: string[]) =>
      succeededRun(await runJava(suite, 'RemotingScenarios', args), args.join(' '));
    const sent = (await java('produce', target.namesrv, topic, uniqueName('PID'), '2')).filter(
      (e) => 'status' in e,
    );
    const got = (await java('consume', target.namesrv, topic, group, '8')).filter(
      (e) => 'received' in e,
    );
    const stats = jsonBody<{ offsetTable: unknown }>(
      await call(target.broker, RequestCode.GET_CONSUME_STATS, { consumerGroup: group, topic }),
    );
    const queues = mapEntries(stats.offsetTable)
      .map(([mq, o]) => ({
        queueId: (mq as { queueId: number }).queueId,
        brokerOffset: (o as { brokerOffset: number }).brokerOffset,
        consumerOffset: (o as { consumerOffset: number }).consumerOffset,
      }))
      .sort((a, b) => a.queueId - b.queueId);
    return {
      statuses: [...new Set(sent.map((e) => e.status))],
      received: got.map((e) => e.body).sort(),
      storedTotal: queues.reduce((n, q) => n + q.brokerOffset, 0),
      allConsumed: queues.every((q) => q.consumerOffset === q.brokerOffset),
      queueCount: queues.length,
    };
  });
});

test('differential: mqadmin prints the same topic status, consumer progress, group config and cluster row', async (t) => {
  const suite = buildJavaSuite('client', { 'rocketmq.version': '5.5.0' });
  const session = new MqadminSession(buildJavaSuite('mqadmin'));
  t.after(() => session.close());
  const rows = (out: string, start: string, cols: number[]) =>
    out
      .split('\n')
      .filter((l) => l.startsWith(start))
      .map((l) => cols.map((c) => l.trim().split(/\s+/)[c]).join(' '))
      .sort();
  /** Rows of numbers: how many, and the sum of each column. */
  const summary = (table: string[]) => {
    const cells = table.map((r) => r.split(' ').map(Number));
    const width = cells[0]?.length ?? 0;
    return {
      rows: cells.length,
      sums: Array.from({ length: width }, (_v, c) => cells.reduce((n, r) => n + (r[c] ?? 0), 0)),
    };
  };
  await differential(t, 'mqadmin', async (target, call) => {
    const topic = uniqueName('DiffAdmin');
    const group = uniqueName('GID');
    await createTopic(call, target, topic, 2);
    const n = ['-n', target.namesrv];
    succeededRun(
      await runJava(suite, 'RemotingScenarios', [
        'produce',
        target.namesrv,
        topic,
        uniqueName('PID'),
        '2',
      ]),
      'produce',
    );
    succeededRun(
      await runJava(suite, 'RemotingScenarios', ['consume', target.namesrv, topic, group, '8']),
      'consume',
    );
    const status = await session.run('topicStatus', '-t', topic, ...n);
    const progress = await session.run('consumerProgress', '-g', group, '-t', topic, ...n);
    const subGroup = await session.run(
      'updateSubGroup',
      '-c',
      'DefaultCluster',
      '-g',
      uniqueName('G'),
      '-r',
      '3',
      '-q',
      '2',
      ...n,
    );
    const cluster = await session.run('clusterList', ...n);
    const row = cluster.split('\n').find((l) => l.includes(target.broker)) ?? '';
    const [clusterName, brokerName, bid, , version] = row.trim().split(/\s+/);
    return {
      // The client spreads sends over the queues from a random start: compare totals, not queues.
      topicStatus: summary(rows(status, 'broker-a', [2, 3])),
      consumerProgress: summary(rows(progress, topic, [3, 4, 5])),
      subGroupCreated: /create subscription group to .* success/.test(subGroup),
      subGroupRetry: /retryMaxTimes=3/.test(subGroup) && /retryQueueNums=2/.test(subGroup),
      cluster: { clusterName, brokerName, bid, activated: /true\s*$/.test(row) },
      version,
    };
  });
});
