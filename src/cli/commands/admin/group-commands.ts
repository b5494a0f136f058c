import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumerRunningInfo } from '../../../admin/group-queries.ts';
import { mqVersionDesc } from '../../../common/constants/version.ts';
import { UsageError } from '../../usage-error.ts';
import {
  targetBrokers,
  type AdminCommand,
  type CommandContext,
  type CommandFamily,
} from './command.ts';
import { javaMap, javaObject, queueText, shortTime, table } from './format.ts';
import { analyzeGroup, formatRunningInfo } from './running-info.ts';

/** mqadmin's attribute syntax, kept with its signs as AttributeParser keeps them: {"+a": "b", "-c": ""}. */
function attributeMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) out[part] = '';
    else out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** The whole SubscriptionGroupConfig mqadmin sends: its defaults, then the flags given. */
function groupConfig({ args }: CommandContext): Record<string, unknown> & { groupName: string } {
  let retryPolicy: unknown;
  if (args.has('p')) {
    try {
      retryPolicy = JSON.parse(args.need('p'));
    } catch {
      throw new UsageError(`-p <groupRetryPolicy> is not JSON: ${args.need('p')}`);
    }
  }
  return {
    groupName: args.need('g'),
    consumeEnable: args.bool('s', true),
    consumeFromMinEnable: args.bool('m', false),
    consumeBroadcastEnable: args.bool('d', false),
    consumeMessageOrderly: args.bool('o', false),
    retryQueueNums: args.int('q', 1),
    retryMaxTimes: args.int('r', 16),
    ...(retryPolicy !== undefined ? { groupRetryPolicy: retryPolicy } : {}),
    brokerId: args.int('i', 0),
    whichBrokerWhenConsumeSlowly: args.int('w', 1),
    notifyConsumerIdsChangedEnable: args.bool('a', true),
    groupSysFlag: 0,
    consumeTimeoutMinute: 15,
    attributes: attributeMap(args.get('attributes') ?? ''),
  };
}

const updateSubGroup: AdminCommand = {
  name: 'updateSubGroup',
  desc: 'Create a subscription group or change its settings on a broker or every master of a cluster.',
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'the broker to create it on' },
    c: { long: 'clusterName', value: true, desc: 'the cluster whose masters get it' },
    g: { long: 'groupName', value: true, required: true, desc: 'consumer group name' },
    s: { long: 'consumeEnable', value: true, desc: 'may consume: true or false (true)' },
    m: {
      long: 'consumeFromMinEnable',
      value: true,
      desc: 'a new group starts at the min offset (false)',
    },
    d: { long: 'consumeBroadcastEnable', value: true, desc: 'broadcasting allowed (false)' },
    o: { long: 'consumeMessageOrderly', value: true, desc: 'FIFO group: true or false (false)' },
    q: { long: 'retryQueueNums', value: true, desc: 'queues of its retry topic (1)' },
    r: { long: 'retryMaxTimes', value: true, desc: 'deliveries before the DLQ (16)' },
    p: { long: 'groupRetryPolicy', value: true, desc: 'retry policy as JSON' },
    i: { long: 'brokerId', value: true, desc: 'the broker id it consumes from (0)' },
    w: {
      long: 'whichBrokerWhenConsumeSlowly',
      value: true,
      desc: 'the broker id when consuming slowly (1)',
    },
    a: {
      long: 'notifyConsumerIdsChanged',
      value: true,
      desc: 'tell members when members change (true)',
    },
    attributes: {
      long: 'attributes',
      value: true,
      desc: 'attributes: +key=value,+key2=value2,-key3',
    },
  },
  oneOf: ['b', 'c'],
  async run(c) {
    const config = groupConfig(c);
    for (const addr of await targetBrokers(c)) {
      await c.admin.updateSubGroup([addr], config);
      c.print(`create subscription group to ${addr} success.`);
    }
    return javaObject('SubscriptionGroupConfig', {
      ...config,
      attributes: javaMap(Object.entries(config.attributes as Record<string, string>)),
    });
  },
};

const deleteSubGroup: AdminCommand = {
  name: 'deleteSubGroup',
  desc: 'Delete a subscription group from a broker or a cluster (with its retry and DLQ topics).',
  flags: {
    b: { long: 'brokerAddr', value: true, desc: 'the broker to delete it from' },
    c: { long: 'clusterName', value: true, desc: 'the cluster to delete it from' },
    g: { long: 'groupName', value: true, required: true, desc: 'subscription group name' },
    r: { long: 'removeOffset', value: true, desc: 'remove its offsets too: true or false (false)' },
  },
  oneOf: ['b', 'c'],
  async run(c) {
    const { args, admin, print } = c;
    const group = args.need('g');
    const cleanOffset = args.bool('r', false);
    const cluster = args.get('b') === undefined ? args.need('c') : undefined;
    for (const addr of await targetBrokers(c)) {
      await admin.deleteSubGroup([addr], group, cleanOffset);
      print(
        cluster === undefined
          ? `delete subscription group [${group}] from broker [${addr}] success.`
          : `delete subscription group [${group}] from broker [${addr}] in cluster [${cluster}] success.`,
      );
    }
    if (cluster !== undefined) {
      for (const topic of [`%RETRY%${group}`, `%DLQ%${group}`])
        await admin.deleteTopic(topic, cluster).catch((err: unknown) => {
          print(`delete topic [${topic}] failed: ${(err as Error).message}`);
        });
    }
    return '';
  },
};

/** consumerProgress without -g: every group that has a retry topic, with its members and lag. */
async function allGroupsProgress({ admin }: CommandContext): Promise<string> {
  const rows: (string | number)[][] = [
    ['#Group', '#Count', '#Version', '#Type', '#Model', '#TPS', '#Diff Total'],
  ];
  for (const topic of (await admin.topicList()).sort()) {
    if (!topic.startsWith('%RETRY%')) continue;
    const group = topic.slice('%RETRY%'.length);
    const stats = await admin.consumeStats(group).catch(() => undefined);
    const cc = await admin.consumerConnection(group).catch(() => undefined);
    const count = cc?.connections.length ?? 0;
    const push = cc?.consumeType === 'CONSUME_PASSIVELY';
    rows.push([
      group,
      count,
      count > 0 && cc
        ? mqVersionDesc(Math.min(...cc.connections.map((x) => x.version)))
        : 'OFFLINE',
      count > 0 ? (push ? 'PUSH' : 'PULL') : '',
      count > 0 && push ? (cc?.messageModel ?? '') : '',
      Math.trunc(stats?.consumeTps ?? 0),
      stats?.queues.reduce((n, q) => n + q.brokerOffset - q.consumerOffset, 0) ?? 0,
    ]);
  }
  return table(rows);
}

/** consumerProgress -s true: which member (by IP) holds each queue, from their running info. */
async function queueHolders(
  { admin }: CommandContext,
  group: string,
): Promise<Map<string, string>> {
  const holders = new Map<string, string>();
  const cc = await admin.consumerConnection(group);
  for (const conn of cc.connections) {
    const info = await admin.consumerRunningInfo(group, conn.clientId).catch(() => undefined);
    for (const [q] of info?.queues ?? [])
      holders.set(queueText(q), conn.clientId.split('@')[0] ?? '');
  }
  return holders;
}

const consumerProgress: AdminCommand = {
  name: 'consumerProgress',
  desc: 'Show how far a group has consumed each queue (without -g: every group).',
  flags: {
    g: { long: 'groupName', value: true, desc: 'consumer group name' },
    t: { long: 'topicName', value: true, desc: 'only this topic' },
    s: {
      long: 'showClientIP',
      value: true,
      desc: 'show the member holding each queue: true or false',
    },
    c: { long: 'cluster', value: true, desc: 'only the brokers of this cluster' },
  },
  async run(c) {
    const { args, admin } = c;
    if (!args.has('g')) return allGroupsProgress(c);
    const group = args.need('g');
    const stats = await admin.consumeStats(group, args.get('t'), args.get('c'));
    const holders = args.bool('s', false) ? await queueHolders(c, group) : undefined;
    let diff = 0;
    let inflight = 0;
    const rows: (string | number)[][] = [
      [
        '#Topic',
        '#Broker Name',
        '#QID',
        '#Broker Offset',
        '#Consumer Offset',
        ...(holders ? ['#Client IP'] : []),
        '#Diff',
        '#Inflight',
        '#LastTime',
      ],
    ];
    for (const q of stats.queues) {
      diff += q.brokerOffset - q.consumerOffset;
      inflight += q.pullOffset - q.consumerOffset;
      rows.push([
        q.topic,
        q.brokerName,
        q.queueId,
        q.brokerOffset,
        q.consumerOffset,
        ...(holders ? [holders.get(queueText(q)) ?? 'N/A'] : []),
        q.brokerOffset - q.consumerOffset,
        q.pullOffset - q.consumerOffset,
        shortTime(q.lastTimestamp),
      ]);
    }
    return `${table(rows)}\n\nConsume TPS: ${stats.consumeTps.toFixed(2)}\nConsume Diff Total: ${diff}\nConsume Inflight Total: ${inflight}`;
  },
};

const consumerConnection: AdminCommand = {
  name: 'consumerConnection',
  desc: 'List the live members of a consumer group and what they subscribe to.',
  flags: {
    g: { long: 'consumerGroup', value: true, required: true, desc: 'consumer group name' },
    b: { long: 'brokerAddr', value: true, desc: 'ask this broker' },
  },
  async run({ args, admin }) {
    const cc = await admin.consumerConnection(args.need('g'), args.get('b'));
    return [
      table([
        ['#ClientId', '#ClientAddr', '#Language', '#Version'],
        ...cc.connections.map((x) => [
          x.clientId,
          x.clientAddr,
          x.language,
          mqVersionDesc(x.version),
        ]),
      ]),
      '',
      'Below is subscription:',
      table([['#Topic', '#SubExpression'], ...cc.subscriptions.map((s) => [s.topic, s.subString])]),
      '',
      `ConsumeType: ${cc.consumeType}`,
      `MessageModel: ${cc.messageModel}`,
      `ConsumeFromWhere: ${cc.consumeFromWhere}`,
    ].join('\n');
  },
};

const producerConnection: AdminCommand = {
  name: 'producerConnection',
  desc: 'List the live producers of a group, as a broker of the topic sees them.',
  flags: {
    g: { long: 'producerGroup', value: true, required: true, desc: 'producer group name' },
    t: { long: 'topic', value: true, required: true, desc: 'a topic they send to' },
  },
  async run({ args, admin }) {
    const conns = await admin.producerConnection(args.need('g'), args.need('t'));
    return table(
      conns.map((x, i) => [
        String(i + 1).padStart(4, '0'),
        x.clientId,
        x.clientAddr,
        x.language,
        mqVersionDesc(x.version),
      ]),
    );
  },
};

/** consumerStatus without -i: every member's running info, saved to a file each, then checked. */
async function allMembersStatus({ args, admin, print }: CommandContext): Promise<string> {
  const group = args.need('g');
  const cc = await admin.consumerConnection(group, args.get('b'));
  const dir = join(tmpdir(), 'rocketmq-ts', 'consumerStatus', String(Date.now()));
  const infos = new Map<string, ConsumerRunningInfo>();
  const rows: (string | number)[][] = [
    ['#Index', '#ClientId', '#Version', '#ConsumerRunningInfoFile'],
  ];
  for (const conn of [...cc.connections].sort((a, b) => a.clientId.localeCompare(b.clientId))) {
    try {
      const info = await admin.consumerRunningInfo(
        group,
        conn.clientId,
        args.has('s'),
        args.get('b'),
      );
      mkdirSync(dir, { recursive: true });
      const file = join(dir, conn.clientId.replace(/[^\w.@-]/g, '_'));
      writeFileSync(file, formatRunningInfo(info));
      infos.set(conn.clientId, info);
      rows.push([infos.size, conn.clientId, mqVersionDesc(conn.version), file]);
    } catch (err) {
      print(`running info of ${conn.clientId} failed: ${(err as Error).message}`);
    }
  }
  if (infos.size === 0) throw new Error(`No member of ${group} answered with its running info`);
  return `${table(rows)}\n\n${analyzeGroup(infos)}`.trimEnd();
}

const consumerStatus: AdminCommand = {
  name: 'consumerStatus',
  desc: "Ask a group's live members for their running info (the broker relays the question).",
  flags: {
    g: { long: 'consumerGroup', value: true, required: true, desc: 'consumer group name' },
    i: { long: 'clientId', value: true, desc: 'only this member, its full report' },
    b: { long: 'brokerAddr', value: true, desc: 'ask through this broker' },
    s: { long: 'jstack', value: false, desc: "with the member's stack" },
  },
  async run(c) {
    const { args, admin } = c;
    const clientId = args.get('i');
    if (clientId === undefined) return allMembersStatus(c);
    return formatRunningInfo(
      await admin.consumerRunningInfo(args.need('g'), clientId, args.has('s'), args.get('b')),
    );
  },
};

export const GROUP_COMMANDS: CommandFamily = {
  title: 'Consumer and producer groups',
  commands: [
    updateSubGroup,
    deleteSubGroup,
    consumerProgress,
    consumerConnection,
    producerConnection,
    consumerStatus,
  ],
};
