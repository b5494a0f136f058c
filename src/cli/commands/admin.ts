import { AdminClient } from '../../admin/admin-client.ts';
import type { ParsedArgs } from '../parse-flags.ts';

/** A usage mistake: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const need = (args: ParsedArgs, flag: string, what: string): string => {
  const v = args.short.get(flag);
  if (v === undefined || v === 'true') throw new UsageError(`-${flag} <${what}> is required`);
  return v;
};

function table(rows: (string | number)[][]): string {
  const widths =
    rows[0]?.map((_c, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const time = (ms: number): string => (ms > 0 ? new Date(ms).toISOString() : '-');

/** mqadmin's timestamps: "now", ms since the epoch (-1 = the end), or local yyyy-MM-dd#HH:mm:ss:SSS. */
export function parseTimestamp(text: string): number {
  if (text === 'now') return Date.now();
  if (/^-?\d+$/.test(text)) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(text);
  if (m) {
    const [y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0] = m.slice(1).map(Number);
    const date = new Date(y, mo - 1, d, h, mi, sec, ms);
    // The Date constructor rolls 2024-02-30 over into March; such a date is a mistake here.
    if (date.getMonth() === mo - 1 && date.getDate() === d && h < 24 && mi < 60 && sec < 60)
      return date.getTime();
  }
  throw new UsageError(
    `-s "${text}" is not a timestamp: use now, ms since the epoch or yyyy-MM-dd#HH:mm:ss:SSS`,
  );
}

const bool = (args: ParsedArgs, flag: string, fallback: boolean): boolean => {
  const v = args.short.get(flag);
  if (v === undefined) return fallback;
  if (v !== 'true' && v !== 'false')
    throw new UsageError(`-${flag} takes true or false, not "${v}"`);
  return v === 'true';
};

export const ADMIN_USAGE = `Usage: rmq admin <command> [-n "host:9876;host2:9876"] [options]   (NAMESRV_ADDR works too)

  updateTopic       -t topic (-c cluster | -b broker) [-r readQueues] [-w writeQueues] [-p perm] [-o order] [-a +key=value]
  deleteTopic       -t topic -c cluster
  topicList
  topicRoute        -t topic
  topicStatus       -t topic
  updateSubGroup    -g group (-c cluster | -b broker) [-o consumeMessageOrderly] [-q retryMaxTimes] [-s consumeEnable]
  consumerProgress  -g group [-t topic]
  resetOffsetByTime -g group -t topic -s (now | ms | yyyy-MM-dd#HH:mm:ss:SSS) [-f force]   (force true: offsets may move forward too)
  clusterList
  brokerStatus      -b broker
  queryMsgById      -i offsetMsgId
  queryMsgByKey     -t topic -k key
  resendMessageById -i offsetMsgId [-t topic]   (a dead letter goes back to its original topic)`;

/** What a command gets: its flags, the admin client, and the brokers -b or -c names. */
interface CommandContext {
  args: ParsedArgs;
  admin: AdminClient;
  targets: () => Promise<string[]>;
}

/** mqadmin's commands by name; each returns the text to print. */
const COMMANDS: Readonly<Record<string, (c: CommandContext) => Promise<string>>> = {
  async updateTopic({ args, admin, targets }) {
    const topic = need(args, 't', 'topic');
    const addrs = await targets();
    const w = Number(args.short.get('w') ?? 8);
    await admin.updateTopic(addrs, {
      topic,
      writeQueueNums: w,
      readQueueNums: Number(args.short.get('r') ?? w),
      perm: Number(args.short.get('p') ?? 6),
      order: args.short.get('o') === 'true',
      ...(args.short.get('a') ? { attributes: args.short.get('a') } : {}),
    });
    return `create topic ${topic} to ${addrs.join(', ')} success.`;
  },
  async deleteTopic({ args, admin }) {
    const topic = need(args, 't', 'topic');
    await admin.deleteTopic(topic, need(args, 'c', 'cluster'));
    return `delete topic [${topic}] from cluster [${args.short.get('c')}] success.`;
  },
  async topicList({ admin }) {
    return (await admin.topicList()).join('\n');
  },
  async topicRoute({ args, admin }) {
    return JSON.stringify(await admin.topicRoute(need(args, 't', 'topic')), null, 2);
  },
  async topicStatus({ args, admin }) {
    const stats = await admin.topicStatus(need(args, 't', 'topic'));
    return table([
      ['#Broker Name', '#QID', '#Min Offset', '#Max Offset', '#Last Updated'],
      ...stats.map((s) => [
        s.brokerName,
        s.queueId,
        s.minOffset,
        s.maxOffset,
        time(s.lastUpdateTimestamp),
      ]),
    ]);
  },
  async updateSubGroup({ args, admin, targets }) {
    const group = need(args, 'g', 'group');
    const addrs = await targets();
    const config: Record<string, unknown> & { groupName: string } = { groupName: group };
    if (args.short.has('o')) config.consumeMessageOrderly = args.short.get('o') === 'true';
    if (args.short.has('q')) config.retryMaxTimes = Number(args.short.get('q'));
    if (args.short.has('s')) config.consumeEnable = args.short.get('s') !== 'false';
    await admin.updateSubGroup(addrs, config);
    return `create subscription group ${group} to ${addrs.join(', ')} success.`;
  },
  async consumerProgress({ args, admin }) {
    const rows = await admin.consumerProgress(need(args, 'g', 'group'), args.short.get('t'));
    const diff = rows.reduce((s, r) => s + (r.brokerOffset - r.consumerOffset), 0);
    return `${table([
      [
        '#Topic',
        '#Broker Name',
        '#QID',
        '#Broker Offset',
        '#Consumer Offset',
        '#Diff',
        '#LastTime',
      ],
      ...rows.map((r) => [
        r.topic,
        r.brokerName,
        r.queueId,
        r.brokerOffset,
        r.consumerOffset,
        r.brokerOffset - r.consumerOffset,
        time(r.lastTimestamp),
      ]),
    ])}\n\nDiff Total: ${diff}`;
  },
  async resetOffsetByTime({ args, admin }) {
    const group = need(args, 'g', 'group');
    const topic = need(args, 't', 'topic');
    const text = need(args, 's', 'timestamp');
    const timestamp = parseTimestamp(text);
    const force = bool(args, 'f', true);
    const rows = await admin.resetOffsetByTime(group, topic, timestamp, force);
    return `reset consumer offset by specified, group[${group}], topic[${topic}], force[${force}], timestamp(string)[${text}], timestamp(long)[${timestamp}]\n\n${table(
      [
        ['#brokerName', '#queueId', '#offset'],
        ...rows.map((r) => [r.brokerName, r.queueId, r.offset]),
      ],
    )}`;
  },
  async clusterList({ admin }) {
    const info = await admin.clusterInfo();
    const rows: (string | number)[][] = [['#Cluster Name', '#Broker Name', '#BID', '#Addr']];
    for (const [cluster, names] of Object.entries(info.clusterAddrTable)) {
      for (const name of names) {
        for (const [id, addr] of Object.entries(info.brokerAddrTable[name]?.brokerAddrs ?? {}))
          rows.push([cluster, name, id, addr]);
      }
    }
    return table(rows);
  },
  async brokerStatus({ args, admin }) {
    const status = await admin.brokerStatus(need(args, 'b', 'brokerAddr'));
    return table(Object.entries(status).sort(([a], [b]) => a.localeCompare(b)));
  },
  async queryMsgById({ args, admin }) {
    const m = await admin.queryMsgById(need(args, 'i', 'msgId'));
    return table([
      ['Topic:', m.topic],
      ['Tags:', m.properties.get('TAGS') ?? ''],
      ['Keys:', m.properties.get('KEYS') ?? ''],
      ['Queue ID:', m.queueId],
      ['Queue Offset:', m.queueOffset],
      ['CommitLog Offset:', m.commitLogOffset],
      ['Reconsume Times:', m.reconsumeTimes],
      ['Born Timestamp:', time(m.bornTimestamp)],
      ['Store Timestamp:', time(m.storeTimestamp)],
      ['Born Host:', `${m.bornHost.host}:${m.bornHost.port}`],
      ['Store Host:', `${m.storeHost.host}:${m.storeHost.port}`],
      ['System Flag:', m.sysFlag],
      ['Properties:', JSON.stringify(Object.fromEntries(m.properties))],
      ['Message Body:', m.body.toString('utf8')],
    ]);
  },
  async queryMsgByKey({ args, admin }) {
    const topic = need(args, 't', 'topic');
    const msgs = await admin.queryMsgByKey(topic, need(args, 'k', 'key'));
    return table([
      ['#Message ID', '#QID', '#Offset'],
      ...msgs.map((m) => [
        m.properties.get('UNIQ_KEY') ?? String(m.commitLogOffset),
        m.queueId,
        m.queueOffset,
      ]),
    ]);
  },
  async resendMessageById({ args, admin }) {
    const r = await admin.resendMessageById(need(args, 'i', 'msgId'), args.short.get('t'));
    return `resent to ${r.target}, queue ${r.queueId}, offset ${r.queueOffset}`;
  },
};

/** `rmq admin <command>`: mqadmin's commands and flags. Returns the text to print. */
export async function runAdmin(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<string> {
  const command = args.positional[1];
  if (!command || command === 'help') return ADMIN_USAGE;
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new UsageError(`unknown admin command "${command}"\n\n${ADMIN_USAGE}`);
  const admin = new AdminClient({
    namesrvAddr: args.short.get('n') ?? env.NAMESRV_ADDR ?? '127.0.0.1:9876',
  });
  const targets = async (): Promise<string[]> => {
    const broker = args.short.get('b');
    if (broker) return [broker];
    const cluster = args.short.get('c');
    if (!cluster) throw new UsageError('one of -c <cluster> or -b <brokerAddr> is required');
    return admin.masterAddrs(cluster);
  };
  try {
    return await run({ args, admin, targets });
  } finally {
    await admin.shutdown();
  }
}
