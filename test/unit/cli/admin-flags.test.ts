import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_COMMANDS, ADMIN_USAGE } from '../../../src/cli/commands/admin.ts';
import { parseAdminArgs, type FlagSpecs } from '../../../src/cli/commands/admin/flags.ts';
import { UsageError } from '../../../src/cli/usage-error.ts';

/**
 * mqadmin's flags (rocketmq-tools' buildCommandlineOptions), command by command: the short
 * letter (or the long name of a flag without one) to its long name; "*" required, "!" a switch
 * that takes no value. Either -b or -c is required where mqadmin needs one of them.
 */
const MQADMIN_FLAGS: Record<string, Record<string, string>> = {
  updateTopic: {
    b: 'brokerAddr',
    c: 'clusterName',
    a: 'attributes',
    t: 'topic*',
    r: 'readQueueNums',
    w: 'writeQueueNums',
    p: 'perm',
    o: 'order',
    u: 'unit',
    s: 'hasUnitSub',
  },
  deleteTopic: { t: 'topic*', c: 'clusterName*' },
  topicList: { c: 'clusterModel!' },
  topicRoute: { t: 'topic*', l: 'list!' },
  topicStatus: { t: 'topic*', c: 'cluster' },
  topicClusterList: { t: 'topic*' },
  updateTopicPerm: { b: 'brokerAddr', c: 'clusterName', t: 'topic*', p: 'perm*' },
  updateSubGroup: {
    b: 'brokerAddr',
    c: 'clusterName',
    g: 'groupName*',
    s: 'consumeEnable',
    m: 'consumeFromMinEnable',
    d: 'consumeBroadcastEnable',
    o: 'consumeMessageOrderly',
    q: 'retryQueueNums',
    r: 'retryMaxTimes',
    p: 'groupRetryPolicy',
    i: 'brokerId',
    w: 'whichBrokerWhenConsumeSlowly',
    a: 'notifyConsumerIdsChanged',
    attributes: 'attributes',
  },
  deleteSubGroup: { b: 'brokerAddr', c: 'clusterName', g: 'groupName*', r: 'removeOffset' },
  consumerProgress: { g: 'groupName', t: 'topicName', s: 'showClientIP', c: 'cluster' },
  consumerConnection: { g: 'consumerGroup*', b: 'brokerAddr' },
  producerConnection: { g: 'producerGroup*', t: 'topic*' },
  consumerStatus: { g: 'consumerGroup*', i: 'clientId', b: 'brokerAddr', s: 'jstack!' },
  resetOffsetByTime: {
    g: 'group*',
    t: 'topic*',
    s: 'timestamp*',
    f: 'force',
    c: 'cluster',
    b: 'broker',
    q: 'queue',
    o: 'offset',
  },
  cloneGroupOffset: { s: 'srcGroup*', d: 'destGroup*', t: 'topic*', o: 'offline' },
  skipAccumulatedMessage: { g: 'group*', t: 'topic*', f: 'force', c: 'cluster' },
  queryMsgById: {
    t: 'topic*',
    i: 'msgId*',
    g: 'consumerGroup',
    d: 'clientId',
    s: 'sendMessage',
    u: 'unitName',
    f: 'bodyFormat',
    c: 'cluster',
  },
  queryMsgByKey: {
    t: 'topic*',
    k: 'msgKey*',
    b: 'beginTimestamp',
    e: 'endTimestamp',
    m: 'maxNum',
    c: 'cluster',
  },
  queryMsgByUniqueKey: {
    i: 'msgId*',
    g: 'consumerGroup',
    d: 'clientId',
    t: 'topic*',
    a: 'showAll!',
    c: 'cluster',
  },
  queryMsgByOffset: { t: 'topic*', b: 'brokerName*', i: 'queueId*', o: 'offset*', f: 'bodyFormat' },
  printMsg: {
    t: 'topic*',
    c: 'charsetName',
    s: 'subExpression',
    b: 'beginTimestamp',
    e: 'endTimestamp',
    d: 'printBody',
    l: 'lmqParentTopic',
  },
  clusterList: { m: 'moreStats!', i: 'interval', c: 'clusterName' },
  brokerStatus: { b: 'brokerAddr', c: 'clusterName' },
  haStatus: { c: 'clusterName', b: 'brokerAddr', i: 'interval' },
  getBrokerConfig: { b: 'brokerAddr', c: 'clusterName' },
  updateBrokerConfig: {
    b: 'brokerAddr',
    c: 'clusterName',
    a: 'updateAllBroker',
    k: 'key*',
    v: 'value*',
  },
  statsAll: { a: 'activeTopic!', t: 'topic' },
  wipeWritePerm: { b: 'brokerName*' },
  addWritePerm: { b: 'brokerName*' },
  getNamesrvConfig: {},
  updateKvConfig: { s: 'namespace*', k: 'key*', v: 'value*' },
  deleteKvConfig: { s: 'namespace*', k: 'key*' },
};

const EITHER_BROKER_OR_CLUSTER = [
  'updateTopic',
  'updateTopicPerm',
  'updateSubGroup',
  'deleteSubGroup',
  'brokerStatus',
  'haStatus',
  'getBrokerConfig',
  'updateBrokerConfig',
];

const described = (flags: FlagSpecs): Record<string, string> =>
  Object.fromEntries(
    Object.entries(flags).map(([k, s]) => [
      k,
      `${s.long}${s.value ? '' : '!'}${s.required ? '*' : ''}`,
    ]),
  );

test("rmq admin has exactly the commands of mqadmin it implements, each with mqadmin's flags", () => {
  assert.deepEqual([...ADMIN_COMMANDS.keys()].sort(), Object.keys(MQADMIN_FLAGS).sort());
  for (const [name, cmd] of ADMIN_COMMANDS) {
    assert.deepEqual(described(cmd.flags), MQADMIN_FLAGS[name], name);
    assert.deepEqual(
      cmd.oneOf ?? [],
      EITHER_BROKER_OR_CLUSTER.includes(name) ? ['b', 'c'] : [],
      name,
    );
  }
});

test('rmq admin help lists every command and no longer resendMessageById', () => {
  for (const name of ADMIN_COMMANDS.keys())
    assert.match(ADMIN_USAGE, new RegExp(`^  ${name}( |$)`, 'm'));
  assert.doesNotMatch(ADMIN_USAGE, /resendMessageById/);
  assert.doesNotMatch(ADMIN_USAGE, / +$/m, 'no trailing spaces');
});

const specs: FlagSpecs = {
  t: { long: 'topic', value: true, required: true, desc: '' },
  s: { long: 'timestamp', value: true, desc: '' },
  m: { long: 'moreStats', value: false, desc: '' },
  attributes: { long: 'attributes', value: true, desc: '' },
};
const parse = (...argv: string[]) => parseAdminArgs('demo', specs, argv, () => 'HELP');

test('admin flags parse as commons-cli parses them for mqadmin', () => {
  for (const argv of [['-t', 'T'], ['-tT'], ['--topic', 'T'], ['--topic=T'], ['-t', ' T ']])
    assert.equal(parse(...argv).get('t'), 'T', argv.join(' '));
  const a = parse('-t', 'T', '-s', '-1', '-m', '--attributes', '+a=b', '-n', 'ns:9876');
  assert.equal(a.get('s'), '-1', 'a value may start with "-"');
  assert.equal(a.get('m'), 'true');
  assert.equal(a.get('attributes'), '+a=b');
  assert.equal(a.get('n'), 'ns:9876', 'every command takes -n');
  assert.equal(a.int('s'), -1);
  assert.ok(parse('-h').has('h'), '-h needs no required flag');
});

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

test('an unknown flag, a missing value or flag, or a malformed value is a usage error naming it', () => {
  usage(
    () => parse('-t', 'T', '-z', '1'),
    /^unknown flag -z for demo; its flags: -t topic, -s timestamp, -m moreStats, --attributes attributes, -n namesrvAddr, -h help\n\nHELP$/,
  );
  usage(() => parse('-t', 'T', '--nope'), /unknown flag --nope for demo/);
  usage(() => parse('-t'), /-t <topic> needs a value/);
  usage(() => parse('-t', '-m'), /-t <topic> needs a value/);
  usage(() => parse('-s', '1'), /-t <topic> is required/);
  usage(() => parse('-t', 'T', 'stray'), /demo takes no argument "stray"/);
  usage(() => parse('-t', 'T', '--moreStats=yes'), /--moreStats|-m takes no value/);
  usage(() => parse('-t', 'T', '-s', 'x').int('s'), /-s takes an integer, not "x"/);
  usage(() => parse('-t', 'T', '-s', 'yes').bool('s', false), /-s takes true or false, not "yes"/);
});
