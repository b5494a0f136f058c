import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchCluster, uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { rmqAdmin, rmqAdminOk } from '../../helpers/rmq-admin.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';

let cluster: (TestCluster & { stop(): Promise<void> }) | undefined;
before(async () => {
  cluster = await launchCluster();
});
after(() => cluster?.stop());

const env = (): { ns: string; broker: string; c: TestCluster } => {
  if (!cluster) throw new Error('the cluster did not start');
  return { ns: cluster.namesrvAddr, broker: cluster.brokerAddr, c: cluster };
};
/** `rmq admin <command> -n <name server> ...` that must succeed: its output. */
const ok = (command: string, ...args: string[]): Promise<string> =>
  rmqAdminOk(command, '-n', env().ns, ...args);
const run = (command: string, ...args: string[]) => rmqAdmin(command, '-n', env().ns, ...args);

test("rmq admin creates, routes, restricts and deletes topics with mqadmin's flags and output", async () => {
  const { broker } = env();
  const topic = uniqueName('CliOrdered');
  const created = await ok(
    'updateTopic',
    '-c',
    'DefaultCluster',
    '-t',
    topic,
    '-r',
    '2',
    '-w',
    '2',
    '-o',
    'true',
  );
  assert.equal(
    created,
    `create topic to ${broker} success.\nset cluster orderConf. isOrder=true, orderConf=[broker-a:2]\n` +
      `TopicConfig [topicName=${topic}, readQueueNums=2, writeQueueNums=2, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=true, attributes={}]\n`,
  );
  const plain = uniqueName('CliPlain');
  assert.match(
    await ok('updateTopic', '-b', broker, '--topic', plain, '-a', '+message.type=NORMAL'),
    /readQueueNums=8, writeQueueNums=8, perm=RW-.*attributes=\{message\.type=NORMAL\}/,
    "mqadmin's defaults: 8 read and 8 write queues",
  );

  const table = await ok('topicRoute', '-t', topic, '-l');
  assert.match(
    table,
    /^#ClusterName\s+#BrokerName\s+#BrokerAddrs\s+#ReadQueue\s+#WriteQueue\s+#Perm$/m,
  );
  assert.match(
    table,
    new RegExp(`^DefaultCluster\\s+broker-a\\s+\\{0=${broker}\\}\\s+2\\s+2\\s+6$`, 'm'),
  );
  assert.match(table, /^-+\nTotal:\s+1\s+2\s+2$/m);
  assert.equal(await ok('topicClusterList', '-t', topic), 'DefaultCluster\n');

  assert.equal(
    await ok('updateTopicPerm', '-c', 'DefaultCluster', '-t', topic, '-p', '4'),
    `update topic perm from 6 to 4 in ${broker} success.\n`,
  );
  assert.match(await ok('topicRoute', '-t', topic), /"perm": 4/);
  assert.equal(
    await ok('updateTopicPerm', '-b', broker, '-t', topic, '-p', '4'),
    'new perm equals to the old one!\n',
  );
  assert.match(
    await ok('updateTopicPerm', '-b', broker, '-t', topic, '-p', '6'),
    new RegExp(
      `^update topic perm from 4 to 6 in ${broker} success\\.\\nTopicConfig \\[topicName=${topic}, readQueueNums=2, writeQueueNums=2, perm=RW-.*order=true`,
    ),
    'the queues and the order flag stay',
  );
  const neither = await run('updateTopicPerm', '-t', topic, '-p', '4');
  assert.equal(neither.status, 2);
  assert.match(
    neither.stderr,
    /^rmq: one of -b <brokerAddr> or -c <clusterName> is required \(updateTopicPerm\)/,
  );

  assert.match(
    await ok('topicList', '-c'),
    new RegExp(
      `^#Cluster Name\\s+#Topic\\s+#Consumer Group\\n[\\s\\S]*^DefaultCluster\\s+${topic}$`,
      'm',
    ),
  );
  assert.equal(
    await ok('deleteTopic', '-c', 'DefaultCluster', '-t', plain),
    `delete topic [${plain}] from cluster [DefaultCluster] success.\ndelete topic [${plain}] from NameServer success.\n`,
  );
  assert.doesNotMatch(await ok('topicList'), new RegExp(`^${plain}$`, 'm'));
});

test('rmq admin updateSubGroup takes -r retryMaxTimes and -q retryQueueNums; deleteSubGroup removes the group', async () => {
  const { broker, c } = env();
  const group = uniqueName('CliGroup');
  const out = await ok(
    'updateSubGroup',
    '-c',
    'DefaultCluster',
    '-g',
    group,
    '-r',
    '3',
    '-q',
    '2',
    '-o',
    'true',
  );
  assert.match(
    out,
    new RegExp(
      `^create subscription group to ${broker} success\\.\\nSubscriptionGroupConfig \\[groupName=${group}, `,
    ),
  );
  assert.match(out, /consumeMessageOrderly=true, retryQueueNums=2, retryMaxTimes=3,/);
  const config = c.broker.internals.groups.get(group);
  assert.equal(config?.retryMaxTimes, 3);
  assert.equal(config?.retryQueueNums, 2);
  assert.equal(config?.consumeMessageOrderly, true);

  assert.equal(
    await ok('deleteSubGroup', '-c', 'DefaultCluster', '-g', group),
    `delete subscription group [${group}] from broker [${broker}] in cluster [DefaultCluster] success.\n`,
  );
  assert.equal(c.broker.internals.groups.get(group), undefined);
  assert.equal(
    await ok('deleteSubGroup', '-b', broker, '-g', group, '-r', 'true'),
    `delete subscription group [${group}] from broker [${broker}] success.\n`,
  );
});

test('rmq admin moves offsets: one queue by resetOffsetByTime -b -q -o, cloneGroupOffset, skipAccumulatedMessage', async (t) => {
  const { broker, c } = env();
  const topic = uniqueName('CliOffsets');
  await c.createTopic(topic, 1);
  const producer = await started(
    t,
    sdkClient(t, c).createProducer({ producerGroup: uniqueName('PID') }),
  );
  for (let i = 0; i < 3; i++) await producer.send({ topic, body: `m${i}` });
  const src = uniqueName('CliSrc');
  const dest = uniqueName('CliDest');
  const offsets = c.broker.internals.offsets;
  offsets.commit(src, topic, 0, 3);

  assert.equal(
    await ok('cloneGroupOffset', '-s', src, '-d', dest, '-t', topic),
    `clone group offset success. srcGroup[${src}], destGroup=[${dest}], topic[${topic}]\n`,
  );
  assert.equal(offsets.query(dest, topic, 0), 3);

  const one = await ok(
    'resetOffsetByTime',
    '-g',
    dest,
    '-t',
    topic,
    '-s',
    'now',
    '-b',
    broker,
    '-q',
    '0',
    '-o',
    '1',
  );
  assert.match(
    one,
    new RegExp(`queueId\\[0\\], broker\\[${broker}\\], timestamp\\(string\\)\\[now\\]`),
  );
  assert.match(one, /^reset consumer offset to 1$/m);
  assert.equal(offsets.query(dest, topic, 0), 1);
  assert.match(await ok('consumerProgress', '-g', dest, '-t', topic), /^Consume Diff Total: 2$/m);

  assert.equal(
    await ok('skipAccumulatedMessage', '-g', dest, '-t', topic),
    '#brokerName  #queueId  #offset\nbroker-a     0         3\n',
  );
  assert.equal(offsets.query(dest, topic, 0), 3);
  const progress = await ok('consumerProgress', '-g', dest, '-t', topic);
  assert.match(
    progress,
    /^#Topic\s+#Broker Name\s+#QID\s+#Broker Offset\s+#Consumer Offset\s+#Diff\s+#Inflight\s+#LastTime$/m,
  );
  assert.match(
    progress,
    new RegExp(
      `^${topic}\\s+broker-a\\s+0\\s+3\\s+3\\s+0\\s+0\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`,
      'm',
    ),
  );
  assert.match(
    progress,
    /\n\nConsume TPS: \d+\.\d\d\nConsume Diff Total: 0\nConsume Inflight Total: 0\n$/,
  );
});

test("a wrong or unknown flag exits 2 naming it and the command's flags; a refused request exits 1", async () => {
  const { ns } = env();
  const group = uniqueName('CliBad');
  const [unknown, notNumber, noTopic, gone, noCommand, help] = await Promise.all([
    rmqAdmin('updateSubGroup', '-n', ns, '-g', group, '-c', 'DefaultCluster', '-x', '3'),
    rmqAdmin('updateSubGroup', '-n', ns, '-g', group, '-c', 'DefaultCluster', '-q', 'many'),
    rmqAdmin('queryMsgById', '-n', ns, '-i', 'AB'),
    rmqAdmin('resendMessageById', '-n', ns, '-i', 'AB'),
    rmqAdmin('noSuchCommand'),
    rmqAdmin('updateSubGroup', '-h'),
  ]);
  assert.equal(unknown.status, 2);
  assert.match(
    unknown.stderr,
    /^rmq: unknown flag -x for updateSubGroup; its flags: -b brokerAddr, -c clusterName, -g groupName, .*-q retryQueueNums, -r retryMaxTimes, .*--attributes attributes, -n namesrvAddr, -h help\n\nusage: rmq admin updateSubGroup /,
  );
  assert.equal(notNumber.status, 2);
  assert.match(notNumber.stderr, /^rmq: -q takes an integer, not "many" \(updateSubGroup\)\n$/);
  assert.equal(noTopic.status, 2);
  assert.match(noTopic.stderr, /^rmq: -t <topic> is required \(queryMsgById\)/);
  assert.equal(gone.status, 2);
  assert.match(
    gone.stderr,
    /^rmq: unknown admin command "resendMessageById"; use rmq admin queryMsgById -t <topic> -i <msgId> -s true\n/,
  );
  assert.equal(noCommand.status, 2);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^ {2}-r, --retryMaxTimes <arg> +deliveries before the DLQ \(16\)$/m);
  assert.match(help.stdout, /^ {2}-q, --retryQueueNums <arg> +queues of its retry topic \(1\)$/m);

  const refused = await run('topicStatus', '-t', uniqueName('NoSuchTopic'));
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /^rmq: Route lookup of \S+ failed at [\d.:]+: code 17, No topic route info in name server for the topic: \S+\n$/,
  );
});
