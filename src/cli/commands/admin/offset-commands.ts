import type { ResetQueueOffset } from '../../../admin/admin-client.ts';
import type { AdminCommand, CommandContext, CommandFamily } from './command.ts';
import { parseTimestamp, table } from './format.ts';

const offsetTable = (rows: readonly ResetQueueOffset[]): string =>
  table([
    ['#brokerName', '#queueId', '#offset'],
    ...rows.map((r) => [r.brokerName, r.queueId, r.offset]),
  ]);

/** resetOffsetByTime -b <broker> -q <queue>: one queue, to -o or to the offset found by time. */
async function resetOneQueue({ args, admin }: CommandContext, timestamp: number): Promise<string> {
  const group = args.need('g');
  const topic = args.need('t');
  const broker = args.need('b');
  const queueId = args.int('q', -1);
  const given = args.int('o');
  const offset = given ?? (await admin.searchOffset(broker, topic, queueId, timestamp));
  await admin.resetQueueOffset(broker, group, topic, queueId, offset);
  return `start reset consumer offset by specified, group[${group}], topic[${topic}], queueId[${queueId}], broker[${broker}], timestamp(string)[${args.need('s')}], timestamp(long)[${timestamp}]\nreset consumer offset to ${offset}`;
}

const resetOffsetByTime: AdminCommand = {
  name: 'resetOffsetByTime',
  desc: "Move a group's offsets on a topic to the first message stored at or after a time; live consumers continue there.",
  flags: {
    g: { long: 'group', value: true, required: true, desc: 'consumer group name' },
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    s: {
      long: 'timestamp',
      value: true,
      required: true,
      desc: 'now, ms since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS',
    },
    f: {
      long: 'force',
      value: true,
      desc: 'true: offsets may move forward too; false: only back (true)',
    },
    c: { long: 'cluster', value: true, desc: 'only the brokers of this cluster' },
    b: { long: 'broker', value: true, desc: 'with -q: one queue at this broker address' },
    q: { long: 'queue', value: true, desc: 'with -b: the queue id' },
    o: {
      long: 'offset',
      value: true,
      desc: 'with -b and -q: this offset instead of one found by time',
    },
  },
  async run(c) {
    const { args, admin } = c;
    const group = args.need('g');
    const topic = args.need('t');
    const text = args.need('s');
    const timestamp = parseTimestamp(text);
    if (args.has('b') && args.int('q', -1) >= 0) return resetOneQueue(c, timestamp);
    const force = args.bool('f', true);
    const rows = await admin.resetOffsetByTime(group, topic, timestamp, force, args.get('c'));
    return `start reset consumer offset by specified, group[${group}], topic[${topic}], force[${force}], timestamp(string)[${text}], timestamp(long)[${timestamp}]\n\n${offsetTable(rows)}`;
  },
};

const cloneGroupOffset: AdminCommand = {
  name: 'cloneGroupOffset',
  desc: 'Give a group the committed offsets another group has on a topic.',
  flags: {
    s: { long: 'srcGroup', value: true, required: true, desc: 'the group to copy from' },
    d: { long: 'destGroup', value: true, required: true, desc: 'the group to copy to' },
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    o: {
      long: 'offline',
      value: true,
      desc: "accepted for mqadmin's sake; the copy is the same either way",
    },
  },
  async run({ args, admin }) {
    const src = args.need('s');
    const dest = args.need('d');
    const topic = args.need('t');
    args.bool('o', false);
    await admin.cloneGroupOffset(src, dest, topic);
    return `clone group offset success. srcGroup[${src}], destGroup=[${dest}], topic[${topic}]`;
  },
};

const skipAccumulatedMessage: AdminCommand = {
  name: 'skipAccumulatedMessage',
  desc: "Move a group's offsets on a topic to the end: what is waiting is skipped.",
  flags: {
    g: { long: 'group', value: true, required: true, desc: 'consumer group name' },
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    f: { long: 'force', value: true, desc: 'true or false (true)' },
    c: { long: 'cluster', value: true, desc: 'only the brokers of this cluster' },
  },
  async run({ args, admin }) {
    const rows = await admin.resetOffsetByTime(
      args.need('g'),
      args.need('t'),
      -1,
      args.bool('f', true),
      args.get('c'),
    );
    return offsetTable(rows);
  },
};

export const OFFSET_COMMANDS: CommandFamily = {
  title: 'Offsets',
  commands: [resetOffsetByTime, cloneGroupOffset, skipAccumulatedMessage],
};
