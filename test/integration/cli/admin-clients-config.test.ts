import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
import { launchCluster, uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { bodyFilesOf, rmqAdmin, rmqAdminOk } from '../../helpers/rmq-admin.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { RemotingClient } from '../../../src/remoting/transport/remoting-client.ts';
import { createRequest, createResponse } from '../../../src/remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { stringifyJavaJson } from '../../../src/common/protocol-data/java-json.ts';
import { AdminClient } from '../../../src/admin/admin-client.ts';

let cluster: (TestCluster & { stop(): Promise<void> }) | undefined;
before(async () => {
  cluster = await launchCluster();
});
after(() => cluster?.stop());

/** Message bodies the printed messages left in the tmp folder, as mqadmin leaves them. */
const bodyFiles: string[] = [];
after(() => {
  for (const f of bodyFiles) rmSync(f, { force: true });
});

const env = (): TestCluster => {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
};
const ok = async (command: string, ...args: string[]): Promise<string> => {
  const out = await rmqAdminOk(command, '-n', env().namesrvAddr, ...args);
  bodyFiles.push(...bodyFilesOf(out));
  return out;
};
const run = (command: string, ...args: string[]) =>
  rmqAdmin(command, '-n', env().namesrvAddr, ...args);

/**
 * A consumer (and producer) as a Java client is one to the broker: it heartbeats, and answers
 * the GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY the broker relays from the admin
 * tools, with fastjson bodies (the running info's queue table keyed by MessageQueue objects).
 */
async function fakeClient(
  t: TestContext,
  c: TestCluster,
  o: { clientId: string; consumerGroup: string; producerGroup: string; topic: string },
): Promise<{ consumedDirectly: string[] }> {
  const consumedDirectly: string[] = [];
  const runningInfo = stringifyJavaJson({
    properties: {
      PROP_CONSUME_TYPE: 'CONSUME_PASSIVELY',
      PROP_CONSUME_ORDERLY: 'false',
      PROP_CONSUMER_START_TIMESTAMP: String(Date.now()),
    },
    subscriptionSet: [
      { topic: o.topic, subString: 'TagA', classFilterMode: false, tagsSet: ['TagA'] },
    ],
    mqTable: new Map([
      [
        { brokerName: 'broker-a', queueId: 0, topic: o.topic },
        {
          commitOffset: 5,
          cachedMsgCount: 0,
          lastConsumeTimestamp: Date.now(),
          locked: false,
          droped: false,
        },
      ],
    ]),
    mqPopTable: new Map(),
    statusTable: {
      [o.topic]: {
        pullRT: 1.5,
        pullTPS: 2,
        consumeRT: 3,
        consumeOKTPS: 4,
        consumeFailedTPS: 0,
        consumeFailedMsgs: 0,
      },
    },
  });
  const client = new RemotingClient({
    logger: pino({ level: 'silent' }),
    onRequest: (req) => {
      if (req.code === RequestCode.GET_CONSUMER_RUNNING_INFO)
        return createResponse(
          req,
          ResponseCode.SUCCESS,
          undefined,
          undefined,
          Buffer.from(runningInfo),
        );
      if (req.code === RequestCode.CONSUME_MESSAGE_DIRECTLY) {
        consumedDirectly.push(req.extFields?.msgId ?? '');
        const result = {
          order: false,
          autoCommit: true,
          consumeResult: 'CR_SUCCESS',
          remark: null,
          spentTimeMills: 1,
        };
        return createResponse(
          req,
          ResponseCode.SUCCESS,
          undefined,
          undefined,
          Buffer.from(JSON.stringify(result)),
        );
      }
      return undefined;
    },
  });
  t.after(() => client.shutdown());
  const heartbeat = {
    clientID: o.clientId,
    producerDataSet: [{ groupName: o.producerGroup }],
    consumerDataSet: [
      {
        groupName: o.consumerGroup,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
        subscriptionDataSet: [
          { topic: o.topic, subString: 'TagA', tagsSet: ['TagA'], codeSet: [], subVersion: 0 },
        ],
      },
    ],
  };
  const res = await client.invoke(
    c.brokerAddr,
    createRequest(RequestCode.HEART_BEAT, 0, {}, Buffer.from(JSON.stringify(heartbeat))),
    3000,
  );
  assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
  return { consumedDirectly };
}

test('rmq admin sees live clients: consumerConnection, producerConnection, consumerStatus relayed by the broker, consumerProgress', async (t) => {
  const c = env();
  const topic = uniqueName('CliLive');
  const consumerGroup = uniqueName('CliLiveGID');
  const producerGroup = uniqueName('CliLivePID');
  const clientId = `127.0.0.1@${uniqueName('fake')}`;
  await c.createTopic(topic, 1);
  const fake = await fakeClient(t, c, { clientId, consumerGroup, producerGroup, topic });

  const connections = await ok('consumerConnection', '-g', consumerGroup);
  assert.match(connections, /^#ClientId\s+#ClientAddr\s+#Language\s+#Version\n/);
  assert.match(
    connections,
    new RegExp(`^${clientId}\\s+127\\.0\\.0\\.1:\\d+\\s+JAVA\\s+V5_3_3$`, 'm'),
  );
  assert.match(
    connections,
    new RegExp(`\\n\\nBelow is subscription:\\n#Topic\\s+#SubExpression\\n${topic}\\s+TagA\\n`),
  );
  assert.match(
    connections,
    /\n\nConsumeType: CONSUME_PASSIVELY\nMessageModel: CLUSTERING\nConsumeFromWhere: CONSUME_FROM_LAST_OFFSET\n$/,
  );
  assert.match(
    await ok('producerConnection', '-g', producerGroup, '-t', topic),
    new RegExp(`^0001  ${clientId}\\s+127\\.0\\.0\\.1:\\d+\\s+JAVA\\s+V5_3_3\\n$`),
  );
  const offline = await run('consumerConnection', '-g', uniqueName('NobodyGID'));
  assert.equal(offline.status, 1);
  assert.match(offline.stderr, /code 206, .*not online/);

  const status = await ok('consumerStatus', '-g', consumerGroup, '-i', clientId);
  assert.match(status, /^#Consumer Properties#\nPROP_CONSUME_TYPE\s+: CONSUME_PASSIVELY$/m);
  assert.match(
    status,
    new RegExp(
      `#Consumer Subscription#\\n001 Topic: ${topic}\\s+ClassFilter: false\\s+SubExpression: TagA\\n`,
    ),
  );
  assert.match(
    status,
    new RegExp(
      `#Consumer Offset#\\n#Topic\\s+#Broker Name\\s+#QID\\s+#Consumer Offset\\n${topic}\\s+broker-a\\s+0\\s+5\\n`,
    ),
  );
  assert.match(
    status,
    /#Consumer MQ Detail#\n.*\n.*ProcessQueueInfo \[commitOffset=5, cachedMsgCount=0, /,
  );
  assert.match(
    status,
    new RegExp(
      `#Consumer RT&TPS#\\n.*#ConsumeFailedMsgsInHour\\n${topic}\\s+1\\.50\\s+2\\.00\\s+3\\.00\\s+4\\.00\\s+0\\.00\\s+0\\n`,
    ),
  );
  const all = await ok('consumerStatus', '-g', consumerGroup);
  const row = new RegExp(`^1\\s+${clientId}\\s+V5_3_3\\s+(\\S+)$`, 'm').exec(all);
  assert.ok(row?.[1], all);
  t.after(() => rmSync(dirname(row[1] as string), { recursive: true, force: true }));
  assert.match(readFileSync(row[1], 'utf8'), /^#Consumer Properties#/);
  assert.match(all, /\n\nSame subscription in the same group of consumer\n\nRebalance OK\n$/);

  const producer = await started(
    t,
    sdkClient(t, c).createProducer({ producerGroup: uniqueName('PID') }),
  );
  const sent = await producer.send({ topic, body: 'direct', tags: 'TagA' });
  assert.equal(
    await ok('queryMsgById', '-t', topic, '-i', sent.msgId, '-g', consumerGroup, '-d', clientId),
    'ConsumeMessageDirectlyResult [order=false, autoCommit=true, consumeResult=CR_SUCCESS, remark=null, spentTimeMills=1]\n',
  );
  assert.deepEqual(fake.consumedDirectly, [sent.offsetMsgId]);
  const track = await ok('queryMsgByUniqueKey', '-t', topic, '-i', sent.msgId);
  assert.match(
    track,
    new RegExp(
      `\\n\\n\\nMessageTrack \\[consumerGroup=${consumerGroup}, trackType=NOT_CONSUME_YET, exceptionDesc=null\\]\\n$`,
    ),
  );

  const groups = await ok('consumerProgress');
  assert.match(groups, /^#Group\s+#Count\s+#Version\s+#Type\s+#Model\s+#TPS\s+#Diff Total$/m);
  assert.match(
    groups,
    new RegExp(`^${consumerGroup}\\s+1\\s+V5_3_3\\s+PUSH\\s+CLUSTERING\\s+0\\s+\\d+$`, 'm'),
  );
  const holders = await ok('consumerProgress', '-g', consumerGroup, '-t', topic, '-s', 'true');
  assert.match(
    holders,
    /^#Topic\s+#Broker Name\s+#QID\s+#Broker Offset\s+#Consumer Offset\s+#Client IP\s+#Diff\s+#Inflight\s+#LastTime$/m,
  );
  assert.match(
    holders,
    new RegExp(`^${topic}\\s+broker-a\\s+0\\s+1\\s+0\\s+127\\.0\\.0\\.1\\s+1\\s+0\\s+N/A$`, 'm'),
  );
});

test('rmq admin reads and changes broker and name server config, and the KV config', async (t) => {
  const c = env();
  const broker = c.brokerAddr;
  const config = await ok('getBrokerConfig', '-b', broker);
  assert.match(config, new RegExp(`^============${broker}============\\n`));
  assert.match(config, /^brokerName {40}= {2}broker-a$/m);
  assert.match(config, /^autoCreateTopicEnable\s+= {2}true$/m);
  t.after(() =>
    rmqAdmin(
      'updateBrokerConfig',
      '-n',
      c.namesrvAddr,
      '-b',
      broker,
      '-k',
      'autoCreateTopicEnable',
      '-v',
      'true',
    ),
  );
  assert.equal(
    await ok(
      'updateBrokerConfig',
      '-c',
      'DefaultCluster',
      '-k',
      'autoCreateTopicEnable',
      '-v',
      'false',
    ),
    `update broker config success, ${broker}\n`,
  );
  assert.match(
    await ok('getBrokerConfig', '-c', 'DefaultCluster'),
    new RegExp(
      `^============Master: ${broker}============\\n[\\s\\S]*^autoCreateTopicEnable\\s+=  false$`,
      'm',
    ),
  );
  const refused = await run(
    'updateBrokerConfig',
    '-b',
    broker,
    '-k',
    'flushDiskType',
    '-v',
    'SYNC_FLUSH',
  );
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /^rmq: Update broker config flushDiskType failed at \S+: code 1, flushDiskType cannot change at run time/,
  );

  const namesrv = await ok('getNamesrvConfig');
  assert.match(namesrv, new RegExp(`^============${c.namesrvAddr}============\\n`));
  assert.match(namesrv, /^bindAddress {39}= {2}127\.0\.0\.1$/m);

  const key = uniqueName('CliKey');
  assert.equal(
    await ok('updateKvConfig', '-s', 'CLI_NS', '-k', key, '-v', 'v1'),
    'create or update kv config to namespace success.\n',
  );
  const admin = new AdminClient({ namesrvAddr: c.namesrvAddr });
  t.after(() => admin.shutdown());
  assert.equal(await admin.getKvConfig('CLI_NS', key), 'v1');
  assert.equal(
    await ok('deleteKvConfig', '-s', 'CLI_NS', '-k', key),
    'delete kv config from namespace success.\n',
  );
  assert.equal(await admin.getKvConfig('CLI_NS', key), undefined);
});

test('rmq admin wipeWritePerm and addWritePerm change the routes; clusterList, brokerStatus and statsAll show the broker', async (t) => {
  const c = env();
  const topic = uniqueName('CliPerm');
  await c.createTopic(topic, 1);
  const producer = await started(
    t,
    sdkClient(t, c).createProducer({ producerGroup: uniqueName('PID') }),
  );
  await producer.send({ topic, body: 'counted' });

  assert.match(
    await ok('wipeWritePerm', '-b', 'broker-a'),
    new RegExp(
      `^wipe write perm of broker\\[broker-a\\] in name server\\[${c.namesrvAddr}\\] OK, \\d+\\n$`,
    ),
  );
  t.after(() => rmqAdmin('addWritePerm', '-n', c.namesrvAddr, '-b', 'broker-a'));
  assert.match(await ok('topicRoute', '-t', topic), /"perm": 4/);
  assert.match(
    await ok('addWritePerm', '-b', 'broker-a'),
    new RegExp(
      `^add write perm of broker\\[broker-a\\] in name server\\[${c.namesrvAddr}\\] OK, \\d+\\n$`,
    ),
  );
  assert.match(await ok('topicRoute', '-t', topic), /"perm": 6/);

  const list = await ok('clusterList');
  assert.match(
    list,
    /^#Cluster Name\s+#Broker Name\s+#BID\s+#Addr\s+#Version\s+#InTPS\(LOAD\)\s+#OutTPS\(LOAD\)\s+#Timer\(Progress\)\s+#PCWait\(ms\)\s+#Hour\s+#SPACE\s+#ACTIVATED$/m,
  );
  assert.match(
    list,
    new RegExp(
      `^DefaultCluster\\s+broker-a\\s+0\\s+${c.brokerAddr}\\s+rocketmq-ts \\S+\\s+\\d+\\.\\d\\d\\(0,0ms\\)\\s+.*\\s+true$`,
      'm',
    ),
  );
  assert.match(
    await ok('clusterList', '-m', '-c', 'DefaultCluster'),
    /^DefaultCluster\s+broker-a\s+\d+\s+\d+\s+[1-9]\d*\s+\d+$/m,
  );
  const status = await ok('brokerStatus', '-b', c.brokerAddr);
  assert.match(status, /^brokerActive {20}: true$/m);
  assert.match(status, /^msgPutTotalTodayNow {13}: [1-9]\d*$/m);
  // The broker samples its counters by the minute: a message just sent may not be counted yet.
  const stats = await ok('statsAll', '-t', topic);
  assert.match(
    stats,
    /^#Topic\s+#Consumer Group\s+#Accumulation\s+#InTPS\s+#OutTPS\s+#InMsg24Hour\s+#OutMsg24Hour$/m,
  );
  assert.match(stats, new RegExp(`^${topic}\\s+0\\s+\\d+\\.\\d\\d\\s+\\d+\\s+NO_CONSUMER$`, 'm'));
  assert.ok(existsSync(c.root));
});
