import { setTimeout as sleep } from 'node:timers/promises';
import type { BrokerStatsData } from '../../../admin/admin-client.ts';
import type { AdminCommand, CommandContext, CommandFamily } from './command.ts';
import { humanTime, keyValueLines, propertyLines, table } from './format.ts';

const num = (text: string | undefined): number => {
  const n = Number.parseFloat(text ?? '');
  return Number.isFinite(n) ? n : 0;
};
/** The first of a "1.0 2.0 3.0" TPS triple. */
const firstTps = (text: string | undefined): number => num((text ?? '').split(' ')[0]);

/** One row of clusterList, from the broker's runtime info as mqadmin reads it. */
function clusterRow(
  cluster: string,
  name: string,
  id: string,
  addr: string,
  kv: Record<string, string>,
): string[] {
  const earliest = num(kv.earliestMessageTimeStamp);
  return [
    cluster,
    name,
    id,
    addr,
    kv.brokerVersionDesc ?? '',
    `${firstTps(kv.putTps).toFixed(2)}(${kv.sendThreadPoolQueueSize ?? ''},${kv.sendThreadPoolQueueHeadWaitTimeMills ?? ''}ms)`,
    `${firstTps(kv.getTransferredTps).toFixed(2)}(${kv.pullThreadPoolQueueSize ?? ''},${kv.pullThreadPoolQueueHeadWaitTimeMills ?? ''}ms|${kv.ackThreadPoolQueueSize ?? 'N'},${kv.ackThreadPoolQueueHeadWaitTimeMills ?? 'N'}ms)`,
    `${num(kv.timerReadBehind)}-${num(kv.timerOffsetBehind)}(${(num(kv.timerCongestNum) / 10000).toFixed(1)}w, ${num(kv.timerEnqueueTps).toFixed(1)}, ${num(kv.timerDequeueTps).toFixed(1)})`,
    kv.pageCacheLockTimeMills ?? '',
    (earliest > 0 ? (Date.now() - earliest) / 3_600_000 : 0).toFixed(2),
    num(kv.commitLogDiskRatio).toFixed(4),
    kv.brokerActive ?? 'false',
  ];
}

/** Every broker of the clusters (all, or -c's) with its runtime info; a broker that fails has none. */
async function clusterBrokers({ args, admin }: CommandContext) {
  const info = await admin.clusterInfo();
  const only = args.get('c');
  const out: {
    cluster: string;
    name: string;
    id: string;
    addr: string;
    kv: Record<string, string>;
  }[] = [];
  for (const cluster of only !== undefined ? [only] : Object.keys(info.clusterAddrTable).sort()) {
    for (const name of [...(info.clusterAddrTable[cluster] ?? [])].sort()) {
      for (const [id, addr] of Object.entries(info.brokerAddrTable[name]?.brokerAddrs ?? {})) {
        const kv = await admin.brokerStatus(addr).catch((): Record<string, string> => ({}));
        out.push({ cluster, name, id, addr, kv });
      }
    }
  }
  return out;
}

async function clusterTable(c: CommandContext): Promise<string> {
  const brokers = await clusterBrokers(c);
  if (c.args.has('m')) {
    const diff = (kv: Record<string, string>, a: string, b: string): number =>
      num(kv[a]) - num(kv[b]);
    return table([
      [
        '#Cluster Name',
        '#Broker Name',
        '#InTotalYest',
        '#OutTotalYest',
        '#InTotalToday',
        '#OutTotalToday',
      ],
      ...brokers.map((b) => [
        b.cluster,
        b.name,
        diff(b.kv, 'msgPutTotalTodayMorning', 'msgPutTotalYesterdayMorning'),
        diff(b.kv, 'msgGetTotalTodayMorning', 'msgGetTotalYesterdayMorning'),
        diff(b.kv, 'msgPutTotalTodayNow', 'msgPutTotalTodayMorning'),
        diff(b.kv, 'msgGetTotalTodayNow', 'msgGetTotalTodayMorning'),
      ]),
    ]);
  }
  return table([
    [
      '#Cluster Name',
      '#Broker Name',
      '#BID',
      '#Addr',
      '#Version',
      '#InTPS(LOAD)',
      '#OutTPS(LOAD)',
      '#Timer(Progress)',
      '#PCWait(ms)',
      '#Hour',
      '#SPACE',
      '#ACTIVATED',
    ],
    ...brokers.map((b) => clusterRow(b.cluster, b.name, b.id, b.addr, b.kv)),
  ]);
}

const clusterList: AdminCommand = {
  name: 'clusterList',
  desc: 'List the clusters and their brokers with load figures.',
  flags: {
    m: { long: 'moreStats', value: false, desc: 'messages in and out, yesterday and today' },
    i: {
      long: 'interval',
      value: true,
      desc: 'print again every this many seconds, until stopped',
    },
    c: { long: 'clusterName', value: true, desc: 'only this cluster' },
  },
  async run(c) {
    const interval = c.args.int('i');
    if (interval === undefined) return clusterTable(c);
    for (;;) {
      c.print(await clusterTable(c));
      await sleep(Math.max(1, interval) * 1000);
    }
  },
};

const brokerStatus: AdminCommand = {
  name: 'brokerStatus',
  desc: "Show a broker's runtime figures (or those of every broker of a cluster).",
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'broker address' },
    c: { long: 'clusterName', value: true, desc: 'every broker of this cluster' },
  },
  oneOf: ['b', 'c'],
  async run({ args, admin }) {
    const sorted = (t: Record<string, string>) =>
      Object.entries(t).sort(([a], [b]) => a.localeCompare(b));
    const broker = args.get('b');
    if (broker !== undefined) return keyValueLines(sorted(await admin.brokerStatus(broker)));
    const lines: string[] = [];
    for (const { master, slaves } of await admin.mastersAndSlaves(args.need('c')))
      for (const addr of [master, ...slaves])
        for (const [k, v] of sorted(await admin.brokerStatus(addr)))
          lines.push(`${addr.padEnd(24)} ${k.padEnd(32)}: ${v}`);
    return lines.join('\n');
  },
};

/** One broker's HA status in mqadmin haStatus's layout. */
async function haStatusText(admin: CommandContext['admin'], addr: string): Promise<string> {
  const info = await admin.haStatus(addr);
  const kb = (bytes: number): string => (bytes / 1024).toFixed(2);
  if (!info.master) {
    const c = info.haClientRuntimeInfo;
    return [
      '',
      `#MasterAddr\t${c.masterAddr}`,
      `#CommitLogMaxOffset\t${c.maxOffset}`,
      `#TransferSpeed(KB/s)\t${kb(c.transferredByteInSecond)}`,
      `#LastReadTime\t${humanTime(c.lastReadTimestamp)}`,
      `#LastWriteTime\t${humanTime(c.lastWriteTimestamp)}`,
      `#MasterFlushOffset\t${c.masterFlushOffset}`,
    ].join('\n');
  }
  const row = (cells: readonly (string | number)[]): string =>
    cells
      .map((v, i) =>
        i === 0
          ? String(v).padEnd(32) + ' '
          : i === 1
            ? String(v).padEnd(16)
            : String(v).padStart(16),
      )
      .join(' ');
  return [
    '',
    `#MasterAddr\t${addr}`,
    `#MasterCommitLogMaxOffset\t${info.masterCommitLogMaxOffset}`,
    `#SlaveNum\t${info.haConnectionInfo.length}`,
    `#InSyncSlaveNum\t${info.inSyncSlaveNums}`,
    row([
      '#SlaveAddr',
      '#SlaveAckOffset',
      '#Diff',
      '#TransferSpeed(KB/s)',
      '#Status',
      '#TransferFromWhere',
    ]),
    ...info.haConnectionInfo.map((c) =>
      row([
        c.addr,
        c.slaveAckOffset,
        c.diff,
        kb(c.transferredByteInSecond),
        c.inSync ? 'OK' : 'Fall Behind',
        c.transferFromWhere,
      ]),
    ),
  ].join('\n');
}

const haStatus: AdminCommand = {
  name: 'haStatus',
  desc: 'Show replication: each slave of a master and how far behind it is, or a slave and its master.',
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'broker address' },
    c: { long: 'clusterName', value: true, desc: 'every master of this cluster' },
    i: {
      long: 'interval',
      value: true,
      desc: 'print again every this many seconds, until stopped',
    },
  },
  oneOf: ['b', 'c'],
  async run({ args, admin, print }) {
    const once = async (): Promise<string> => {
      const broker = args.get('b');
      const addrs =
        broker !== undefined
          ? [broker]
          : (await admin.mastersAndSlaves(args.need('c'))).map((g) => g.master);
      const parts: string[] = [];
      for (const addr of addrs) parts.push(await haStatusText(admin, addr));
      return parts.join('\n');
    };
    const interval = args.int('i');
    if (interval === undefined) return once();
    for (;;) {
      print(await once());
      await sleep(Math.max(1, interval) * 1000);
    }
  },
};

const getBrokerConfig: AdminCommand = {
  name: 'getBrokerConfig',
  desc: 'Show every key a broker runs with (or every broker of a cluster).',
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'broker address' },
    c: { long: 'clusterName', value: true, desc: 'every broker of this cluster' },
  },
  oneOf: ['b', 'c'],
  async run({ args, admin }) {
    const block = async (title: string, addr: string): Promise<string> =>
      `============${title}============\n${propertyLines(await admin.brokerConfig(addr))}\n`;
    const broker = args.get('b');
    if (broker !== undefined) return block(broker, broker);
    const blocks: string[] = [];
    for (const { master, slaves } of await admin.mastersAndSlaves(args.need('c'))) {
      blocks.push(await block(`Master: ${master}`, master));
      for (const slave of slaves)
        blocks.push(await block(`My Master: ${master}=====Slave: ${slave}`, slave));
    }
    return blocks.join('\n');
  },
};

const updateBrokerConfig: AdminCommand = {
  name: 'updateBrokerConfig',
  desc: 'Change a key of running brokers; a key that cannot change at run time is refused by name.',
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'broker address' },
    c: { long: 'clusterName', value: true, desc: 'every master of this cluster' },
    a: { long: 'updateAllBroker', value: true, desc: 'with -c true: the slaves too' },
    k: { long: 'key', value: true, required: true, desc: 'config key' },
    v: { long: 'value', value: true, required: true, desc: 'config value' },
  },
  oneOf: ['b', 'c'],
  async run({ args, admin, print }) {
    const props = { [args.need('k')]: args.need('v') };
    const broker = args.get('b');
    const addrs =
      broker !== undefined
        ? [broker]
        : args.bool('a', false)
          ? (await admin.mastersAndSlaves(args.need('c'))).flatMap((g) => [g.master, ...g.slaves])
          : await admin.masterAddrs(args.need('c'));
    for (const addr of addrs) {
      await admin.updateBrokerConfig(addr, props);
      print(`update broker config success, ${addr}`);
    }
    return '';
  },
};

/** BrokerStatsData's count of the last day, else hour, else minute (StatsAllSubCommand). */
const lastDaySum = (d: BrokerStatsData | undefined): number =>
  d ? d.statsDay.sum || d.statsHour.sum || d.statsMinute.sum : 0;

/** statsAll's rows for one topic: one per consuming group, or one NO_CONSUMER row. */
async function topicStatsRows({ admin }: CommandContext, topic: string, activeOnly: boolean) {
  const masters = await admin.topicMasters(topic);
  let inTps = 0;
  let inToday = 0;
  for (const b of masters) {
    const d = await admin.statsData(b.addr, 'TOPIC_PUT_NUMS', topic).catch(() => undefined);
    inTps += d?.statsMinute.tps ?? 0;
    inToday += lastDaySum(d);
  }
  const groups = await admin.topicConsumers(topic).catch((): string[] => []);
  if (groups.length === 0)
    return !activeOnly || inToday > 0
      ? [[topic, '', 0, inTps.toFixed(2), '', inToday, 'NO_CONSUMER']]
      : [];
  const rows: (string | number)[][] = [];
  for (const group of groups) {
    let outTps = 0;
    let outToday = 0;
    for (const b of masters) {
      const d = await admin
        .statsData(b.addr, 'GROUP_GET_NUMS', `${topic}@${group}`)
        .catch(() => undefined);
      outTps += d?.statsMinute.tps ?? 0;
      outToday += lastDaySum(d);
    }
    const stats = await admin.consumeStats(group, topic).catch(() => undefined);
    const lag = Math.max(
      0,
      stats?.queues.reduce((n, q) => n + q.brokerOffset - q.consumerOffset, 0) ?? 0,
    );
    if (!activeOnly || inToday > 0 || outToday > 0)
      rows.push([topic, group, lag, inTps.toFixed(2), outTps.toFixed(2), inToday, outToday]);
  }
  return rows;
}

const statsAll: AdminCommand = {
  name: 'statsAll',
  desc: 'Per topic and consumer group: lag, TPS in and out, messages in and out over the last day.',
  flags: {
    a: { long: 'activeTopic', value: false, desc: 'only topics with traffic' },
    t: { long: 'topic', value: true, desc: 'only this topic' },
  },
  async run(c) {
    const only = c.args.get('t');
    const rows: (string | number)[][] = [
      [
        '#Topic',
        '#Consumer Group',
        '#Accumulation',
        '#InTPS',
        '#OutTPS',
        '#InMsg24Hour',
        '#OutMsg24Hour',
      ],
    ];
    for (const topic of (await c.admin.topicList()).sort()) {
      if (topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%')) continue;
      if (only !== undefined && only !== '' && topic !== only) continue;
      rows.push(...(await topicStatsRows(c, topic, c.args.has('a')).catch(() => [])));
    }
    return table(rows);
  },
};

export const BROKER_COMMANDS: CommandFamily = {
  title: 'Clusters and brokers',
  commands: [clusterList, brokerStatus, haStatus, getBrokerConfig, updateBrokerConfig, statsAll],
};
