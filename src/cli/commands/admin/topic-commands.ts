import type { TopicSettings } from '../../../admin/admin-client.ts';
import type { AdminCommand, CommandContext, CommandFamily } from './command.ts';
import { humanTime, javaMap, javaObject, permText, table } from './format.ts';

/** TopicConfig's toString, as mqadmin prints it after a change. */
function topicConfigText(
  s: Required<Omit<TopicSettings, 'attributes'>> & { attributes?: string | undefined },
): string {
  const attributes = (s.attributes ?? '')
    .split(',')
    .map((p) => p.trim().replace(/^\+/, ''))
    .filter((p) => p.includes('='))
    .map((p) => p.split('=', 2) as [string, string]);
  return javaObject('TopicConfig', {
    topicName: s.topic,
    readQueueNums: s.readQueueNums,
    writeQueueNums: s.writeQueueNums,
    perm: permText(s.perm),
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: s.topicSysFlag,
    order: s.order,
    attributes: javaMap(attributes),
  });
}

const updateTopic: AdminCommand = {
  name: 'updateTopic',
  desc: 'Create a topic or change its settings on a broker or every master of a cluster.',
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'the broker to create it on' },
    c: { long: 'clusterName', value: true, desc: 'the cluster whose masters get it' },
    a: { long: 'attributes', value: true, desc: 'attributes: +key=value,+key2=value2,-key3' },
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    r: { long: 'readQueueNums', value: true, desc: 'read queues (8)' },
    w: { long: 'writeQueueNums', value: true, desc: 'write queues (8)' },
    p: { long: 'perm', value: true, desc: 'permission: 2 write, 4 read, 6 both (6)' },
    o: { long: 'order', value: true, desc: 'ordered topic: true or false' },
    u: { long: 'unit', value: true, desc: 'unit topic: true or false' },
    s: { long: 'hasUnitSub', value: true, desc: 'has unit subscriptions: true or false' },
  },
  oneOf: ['b', 'c'],
  async run({ args, admin, print }) {
    const settings = {
      topic: args.need('t'),
      readQueueNums: args.int('r', 8),
      writeQueueNums: args.int('w', 8),
      perm: args.int('p', 6),
      order: args.bool('o', false),
      topicSysFlag: (args.bool('u', false) ? 1 : 0) | (args.bool('s', false) ? 2 : 0),
      attributes: args.get('a'),
    };
    const broker = args.get('b');
    const addrs = broker !== undefined ? [broker] : await admin.masterAddrs(args.need('c'));
    for (const addr of addrs) {
      await admin.updateTopic([addr], settings);
      print(`create topic to ${addr} success.`);
    }
    if (settings.order) {
      const names =
        broker !== undefined
          ? [await admin.brokerNameOf(broker)]
          : await admin.brokerNames(args.need('c'));
      const queues = Object.fromEntries(names.map((n) => [n, settings.writeQueueNums]));
      const conf = await admin.updateOrderConf(settings.topic, queues, broker === undefined);
      print(
        `set ${broker !== undefined ? 'broker' : 'cluster'} orderConf. isOrder=true, orderConf=[${conf}]`,
      );
    }
    return topicConfigText(settings);
  },
};

const deleteTopic: AdminCommand = {
  name: 'deleteTopic',
  desc: 'Delete a topic from the masters of a cluster and from the name servers.',
  flags: {
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    c: { long: 'clusterName', value: true, required: true, desc: 'the cluster to delete it from' },
  },
  async run({ args, admin }) {
    const topic = args.need('t');
    const cluster = args.need('c');
    await admin.deleteTopic(topic, cluster);
    return `delete topic [${topic}] from cluster [${cluster}] success.\ndelete topic [${topic}] from NameServer success.`;
  },
};

/** topicList -c: each topic with its cluster and consumer groups. */
async function topicsByCluster({ admin }: CommandContext): Promise<string> {
  const rows: string[][] = [['#Cluster Name', '#Topic', '#Consumer Group']];
  const info = await admin.clusterInfo();
  for (const topic of await admin.topicList()) {
    if (topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%')) continue;
    let cluster = '';
    let groups: string[] = [];
    try {
      const first = (await admin.topicRoute(topic)).brokerDatas[0]?.brokerName ?? '';
      cluster = Object.entries(info.clusterAddrTable).find(([, n]) => n.includes(first))?.[0] ?? '';
      groups = await admin.topicConsumers(topic);
    } catch {
      // As mqadmin lists it: a topic whose route or consumers cannot be read shows without them.
    }
    for (const g of groups.length > 0 ? groups : ['']) rows.push([cluster, topic, g]);
  }
  return table(rows);
}

const topicList: AdminCommand = {
  name: 'topicList',
  desc: 'List the topics the name servers know.',
  flags: {
    c: {
      long: 'clusterModel',
      value: false,
      desc: "with each topic's cluster and consumer groups",
    },
  },
  async run(c) {
    if (c.args.has('c')) return topicsByCluster(c);
    return (await c.admin.topicList()).join('\n');
  },
};

const topicRoute: AdminCommand = {
  name: 'topicRoute',
  desc: 'Show the route of a topic: its brokers and queues.',
  flags: {
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    l: { long: 'list', value: false, desc: 'a table instead of JSON' },
  },
  async run({ args, admin }) {
    const route = await admin.topicRoute(args.need('t'));
    if (!args.has('l')) return JSON.stringify(route, null, 2);
    const rows: (string | number)[][] = [
      ['#ClusterName', '#BrokerName', '#BrokerAddrs', '#ReadQueue', '#WriteQueue', '#Perm'],
    ];
    let read = 0;
    let write = 0;
    for (const b of [...route.brokerDatas].sort((x, y) =>
      x.brokerName.localeCompare(y.brokerName),
    )) {
      const q = route.queueDatas.find((d) => d.brokerName === b.brokerName);
      read += q?.readQueueNums ?? 0;
      write += q?.writeQueueNums ?? 0;
      rows.push([
        b.cluster,
        b.brokerName,
        javaMap(Object.entries(b.brokerAddrs)),
        q?.readQueueNums ?? 0,
        q?.writeQueueNums ?? 0,
        q?.perm ?? 0,
      ]);
    }
    rows.push(['Total:', route.brokerDatas.length, '', read, write, '']);
    const lines = table(rows).split('\n');
    lines.splice(lines.length - 1, 0, '-'.repeat(Math.max(...lines.map((l) => l.length))));
    return lines.join('\n');
  },
};

const topicStatus: AdminCommand = {
  name: 'topicStatus',
  desc: 'Show the min and max offset of every queue of a topic.',
  flags: {
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    c: { long: 'cluster', value: true, desc: 'only the brokers of this cluster' },
  },
  async run({ args, admin }) {
    const stats = await admin.topicStatus(args.need('t'), args.get('c'));
    return table([
      ['#Broker Name', '#QID', '#Min Offset', '#Max Offset', '#Last Updated'],
      ...stats.map((s) => [
        s.brokerName,
        s.queueId,
        s.minOffset,
        s.maxOffset,
        s.lastUpdateTimestamp > 0 ? humanTime(s.lastUpdateTimestamp) : '',
      ]),
    ]);
  },
};

const topicClusterList: AdminCommand = {
  name: 'topicClusterList',
  desc: 'List the clusters a topic is served in.',
  flags: { t: { long: 'topic', value: true, required: true, desc: 'topic name' } },
  async run({ args, admin }) {
    return (await admin.topicClusterList(args.need('t'))).join('\n');
  },
};

const updateTopicPerm: AdminCommand = {
  name: 'updateTopicPerm',
  desc: 'Change the permission of a topic on a master or every master of a cluster.',
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'the master to change it on' },
    c: { long: 'clusterName', value: true, desc: 'the cluster whose masters change it' },
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    p: { long: 'perm', value: true, required: true, desc: 'permission: 2 write, 4 read, 6 both' },
  },
  oneOf: ['b', 'c'],
  async run({ args, admin, print }) {
    const topic = args.need('t');
    const perm = args.int('p', 6);
    const broker = args.get('b');
    const addrs = broker !== undefined ? [broker] : await admin.masterAddrs(args.need('c'));
    if (broker !== undefined) {
      const route = await admin.topicRoute(topic);
      const name = route.brokerDatas.find((b) => b.brokerAddrs['0'] === broker)?.brokerName;
      if (route.queueDatas.find((q) => q.brokerName === name)?.perm === perm)
        return 'new perm equals to the old one!';
    }
    for (const ch of await admin.updateTopicPerm(topic, perm, addrs)) {
      print(`update topic perm from ${ch.oldPerm} to ${perm} in ${ch.brokerAddr} success.`);
      if (broker !== undefined)
        print(`${topicConfigText({ ...ch.config, topic, attributes: undefined })}.`);
    }
    return '';
  },
};

export const TOPIC_COMMANDS: CommandFamily = {
  title: 'Topics',
  commands: [
    updateTopic,
    deleteTopic,
    topicList,
    topicRoute,
    topicStatus,
    topicClusterList,
    updateTopicPerm,
  ],
};
