import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminMessage, SendResult } from '../../../admin/message-queries.ts';
import type { AdminCommand, CommandContext, CommandFamily } from './command.ts';
import {
  decodeBody,
  humanTime,
  javaMap,
  javaObject,
  parseTimestamp,
  queueText,
  table,
} from './format.ts';

const host = (h: { host: string; port: number }): string => `${h.host}:${h.port}`;

/** Where mqadmin leaves a message's body: /tmp/rocketmq/msgbodys/<msgId>. */
function writeBodyFile(m: AdminMessage, index = 0): string {
  const dir = join(tmpdir(), 'rocketmq', 'msgbodys');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${m.msgId}${index > 0 ? `_${index}` : ''}`);
  writeFileSync(file, m.body);
  return file;
}

interface PrintOptions {
  /** The OffsetID line first (queryMsgById, queryMsgByOffset). */
  offsetId: boolean;
  /** -f: the body printed in this charset. */
  charset?: string | undefined;
  /** The n-th of several messages with one id (its body file gets a suffix). */
  index?: number;
}

/** A message as queryMsgById prints it: its fields, its body's file, whether groups consumed it. */
async function messageText(
  { admin }: CommandContext,
  m: AdminMessage,
  o: PrintOptions,
): Promise<string> {
  const rows: [string, string | number][] = [
    ...(o.offsetId ? [['OffsetID:', m.offsetMsgId] as [string, string]] : []),
    ['Topic:', m.topic],
    ['Tags:', `[${m.properties.get('TAGS') ?? 'null'}]`],
    ['Keys:', `[${m.properties.get('KEYS') ?? 'null'}]`],
    ['Queue ID:', m.queueId],
    ['Queue Offset:', m.queueOffset],
    ['CommitLog Offset:', m.commitLogOffset],
    ['Reconsume Times:', m.reconsumeTimes],
    ['Born Timestamp:', humanTime(m.bornTimestamp)],
    ['Store Timestamp:', humanTime(m.storeTimestamp)],
    ['Born Host:', host(m.bornHost)],
    ['Store Host:', host(m.storeHost)],
    ['System Flag:', m.sysFlag],
    ['Properties:', javaMap(m.properties)],
    ['Message Body Path:', writeBodyFile(m, o.index)],
  ];
  if (o.charset !== undefined) rows.push(['Message Body:', decodeBody(m.body, o.charset)]);
  const lines = rows.map(([k, v]) => `${k.padEnd(20)} ${v}`);
  lines.push('', '');
  const tracks = await admin.messageTrack(m).catch((err: unknown) => {
    lines.push(`WARN: Cannot tell which groups consumed it: ${(err as Error).message}`);
    return undefined;
  });
  if (tracks?.length === 0) lines.push('WARN: No Consumer');
  for (const t of tracks ?? [])
    lines.push(
      javaObject('MessageTrack', {
        consumerGroup: t.consumerGroup,
        trackType: t.trackType,
        exceptionDesc: t.exceptionDesc ?? null,
      }),
    );
  return lines.join('\n');
}

const sendResultText = (r: SendResult): string =>
  `SendResult [sendStatus=${r.sendStatus}, msgId=${r.msgId}, offsetMsgId=${r.offsetMsgId}, messageQueue=${queueText(r.messageQueue)}, queueOffset=${r.queueOffset}]`;

/** -g <group> -d <clientId>: the message goes through that push consumer's listener, once. */
async function consumeDirectly({ args, admin }: CommandContext, m: AdminMessage): Promise<string> {
  const group = args.need('g');
  const clientId = args.need('d');
  const info = await admin.consumerRunningInfo(group, clientId);
  if (info.properties.PROP_CONSUME_TYPE !== 'CONSUME_PASSIVELY')
    throw new Error(`${clientId} is not a push consumer: it cannot consume a message directly`);
  return javaObject('ConsumeMessageDirectlyResult', {
    ...(await admin.consumeMessageDirectly(group, clientId, m)),
  });
}

const notFound = (id: string, topic: string): Error =>
  new Error(`Message not found: ${id} on topic ${topic}`);

const queryMsgById: AdminCommand = {
  name: 'queryMsgById',
  desc: 'Show messages by id (offset id or producer id, comma separated); -s true sends each again to its original topic, a dead letter too.',
  flags: {
    t: {
      long: 'topic',
      value: true,
      required: true,
      desc: 'topic name (where a producer id is looked up)',
    },
    i: { long: 'msgId', value: true, required: true, desc: 'message ids, comma separated' },
    g: {
      long: 'consumerGroup',
      value: true,
      desc: "with -d: have this group's consumer take the message",
    },
    d: { long: 'clientId', value: true, desc: "with -g: the consumer's client id" },
    s: {
      long: 'sendMessage',
      value: true,
      desc: 'true: send the message again to its original topic',
    },
    u: { long: 'unitName', value: true, desc: 'unit name (accepted; rocketmq-ts has no units)' },
    f: { long: 'bodyFormat', value: true, desc: 'print the body in this charset (UTF-8, GBK ...)' },
    c: { long: 'cluster', value: true, desc: 'only the brokers of this cluster' },
  },
  async run(c) {
    const { args, admin, print } = c;
    const topic = args.need('t');
    const resend = args.bool('s', false);
    const direct = args.has('g') && args.has('d');
    const ids = args
      .need('i')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const id of ids) {
      const m = await admin.findMessage(topic, id, args.get('c'));
      if (!m) throw notFound(id, topic);
      if (direct) print(await consumeDirectly(c, m));
      else if (args.has('s')) {
        if (!resend) continue;
        print(`prepare resend msg. originalMsgId=${id}`);
        print(sendResultText(await admin.resendMessage(m)));
      } else print(await messageText(c, m, { offsetId: true, charset: args.get('f') }));
    }
    return '';
  },
};

const queryMsgByKey: AdminCommand = {
  name: 'queryMsgByKey',
  desc: 'List the messages of a topic with a key.',
  flags: {
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    k: { long: 'msgKey', value: true, required: true, desc: 'message key' },
    b: { long: 'beginTimestamp', value: true, desc: 'stored at or after, ms (0)' },
    e: { long: 'endTimestamp', value: true, desc: 'stored at or before, ms (no end)' },
    m: { long: 'maxNum', value: true, desc: 'at most this many (64)' },
    c: { long: 'cluster', value: true, desc: 'only the brokers of this cluster' },
  },
  async run({ args, admin }) {
    const found = await admin.queryMsgByKey(args.need('t'), args.need('k'), {
      maxNum: args.int('m', 64),
      begin: args.int('b', 0),
      end: args.int('e', Number.MAX_SAFE_INTEGER),
      clusterName: args.get('c'),
    });
    return table([
      ['#Message ID', '#QID', '#Offset'],
      ...found.map((m) => [m.msgId, m.queueId, m.queueOffset]),
    ]);
  },
};

const queryMsgByUniqueKey: AdminCommand = {
  name: 'queryMsgByUniqueKey',
  desc: "Show the message with a producer's id (UNIQ_KEY) on a topic.",
  flags: {
    i: { long: 'msgId', value: true, required: true, desc: "the producer's message id" },
    g: {
      long: 'consumerGroup',
      value: true,
      desc: "with -d: have this group's consumer take the message",
    },
    d: { long: 'clientId', value: true, desc: "with -g: the consumer's client id" },
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    a: {
      long: 'showAll',
      value: false,
      desc: 'every message with the id (up to 32), not only the first',
    },
    c: { long: 'cluster', value: true, desc: 'only the brokers of this cluster' },
  },
  async run(c) {
    const { args, admin } = c;
    const topic = args.need('t');
    const id = args.need('i');
    const found = await admin.queryMsgByUniqueKey(topic, id, { clusterName: args.get('c') });
    const first = found[0];
    if (!first) throw notFound(id, topic);
    if (args.has('g') && args.has('d')) return consumeDirectly(c, first);
    const shown = args.has('a') ? found : [first];
    const texts: string[] = [];
    for (const [index, m] of shown.entries())
      texts.push(await messageText(c, m, { offsetId: false, index }));
    return texts.join('\n\n');
  },
};

const queryMsgByOffset: AdminCommand = {
  name: 'queryMsgByOffset',
  desc: 'Show the message at an offset of a queue.',
  flags: {
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    b: { long: 'brokerName', value: true, required: true, desc: 'broker name' },
    i: { long: 'queueId', value: true, required: true, desc: 'queue id' },
    o: { long: 'offset', value: true, required: true, desc: 'queue offset' },
    f: { long: 'bodyFormat', value: true, desc: 'print the body in this charset (UTF-8, GBK ...)' },
  },
  async run(c) {
    const { args, admin } = c;
    const queue = { topic: args.need('t'), brokerName: args.need('b'), queueId: args.int('i', 0) };
    const offset = args.int('o', 0);
    const r = await admin.pullMessages(queue, '*', offset, 1);
    const m = r.messages[0];
    if (r.pullStatus !== 'FOUND' || !m)
      throw new Error(`No message at offset ${offset} of ${queueText(queue)}: ${r.pullStatus}`);
    return messageText(c, m, { offsetId: true, charset: args.get('f') });
  },
};

/** MessageExt's toString, the body as its length (mqadmin prints every byte). */
function messageExtText(m: AdminMessage, brokerName: string): string {
  return `MessageExt [brokerName=${brokerName}, queueId=${m.queueId}, storeSize=${m.storeSize}, queueOffset=${m.queueOffset}, sysFlag=${m.sysFlag}, bornTimestamp=${m.bornTimestamp}, bornHost=/${host(m.bornHost)}, storeTimestamp=${m.storeTimestamp}, storeHost=/${host(m.storeHost)}, msgId=${m.offsetMsgId}, commitLogOffset=${m.commitLogOffset}, bodyCRC=${m.bodyCRC}, reconsumeTimes=${m.reconsumeTimes}, preparedTransactionOffset=${m.preparedTransactionOffset}, toString()=Message{topic='${m.topic}', flag=${m.flag}, properties=${javaMap(m.properties)}, body=[${m.body.length} bytes], transactionId='null'}]`;
}

/** printMsg's queues: the readable queues of the topic's route (or of -l, the LMQ parent's). */
async function printQueues({ args, admin }: CommandContext, topic: string) {
  const route = await admin.topicRoute(args.get('l') ?? topic);
  return route.queueDatas
    .filter((q) => (q.perm & 4) !== 0)
    .sort((a, b) => a.brokerName.localeCompare(b.brokerName))
    .flatMap((q) =>
      Array.from({ length: q.readQueueNums }, (_v, queueId) => ({
        topic,
        brokerName: q.brokerName,
        queueId,
      })),
    );
}

const printMsg: AdminCommand = {
  name: 'printMsg',
  desc: 'Print every message of a topic, queue by queue (optionally by tag and time range).',
  flags: {
    t: { long: 'topic', value: true, required: true, desc: 'topic name' },
    c: { long: 'charsetName', value: true, desc: "the bodies' charset (UTF-8)" },
    s: { long: 'subExpression', value: true, desc: 'tags: TagA || TagB (*)' },
    b: {
      long: 'beginTimestamp',
      value: true,
      desc: 'from this store time: ms or yyyy-MM-dd#HH:mm:ss:SSS',
    },
    e: {
      long: 'endTimestamp',
      value: true,
      desc: 'to this store time: ms or yyyy-MM-dd#HH:mm:ss:SSS',
    },
    d: { long: 'printBody', value: true, desc: 'print the bodies: true or false (true)' },
    l: { long: 'lmqParentTopic', value: true, desc: 'the LMQ parent topic whose route to use' },
  },
  async run(c) {
    const { args, admin, print } = c;
    const topic = args.need('t');
    const charset = args.get('c') ?? 'UTF-8';
    const expression = args.get('s') ?? '*';
    const printBody = args.bool('d', true);
    const begin = args.has('b') ? parseTimestamp(args.need('b'), '-b') : undefined;
    const end = args.has('e') ? parseTimestamp(args.need('e'), '-e') : undefined;
    for (const mq of await printQueues(c, topic)) {
      const min =
        begin === undefined
          ? await admin.queueOffset(mq, 'min')
          : await admin.queueOffset(mq, 'time', begin);
      const max =
        end === undefined
          ? await admin.queueOffset(mq, 'max')
          : await admin.queueOffset(mq, 'time', end);
      print(`minOffset=${min}, maxOffset=${max}, ${queueText(mq)}`);
      for (let offset = min; offset < max;) {
        const r = await admin.pullMessages(mq, expression, offset, 32);
        const done =
          r.pullStatus === 'NO_NEW_MSG' ||
          r.pullStatus === 'OFFSET_ILLEGAL' ||
          r.nextBeginOffset <= offset;
        offset = r.nextBeginOffset;
        for (const m of r.messages)
          print(
            `MSGID: ${m.msgId} ${messageExtText(m, mq.brokerName)} BODY: ${printBody ? decodeBody(m.body, charset) : 'NOT PRINT BODY'}`,
          );
        if (r.pullStatus === 'NO_MATCHED_MSG')
          print(`${queueText(mq)} no matched msg. status=${r.pullStatus}, offset=${offset}`);
        if (done) {
          print(`${queueText(mq)} print msg finished. status=${r.pullStatus}, offset=${offset}`);
          break;
        }
      }
      print('-'.repeat(56));
    }
    return '';
  },
};

export const MESSAGE_COMMANDS: CommandFamily = {
  title: 'Messages',
  commands: [queryMsgById, queryMsgByKey, queryMsgByUniqueKey, queryMsgByOffset, printMsg],
};
