/**
 * The conformance table: each scenario is a behaviour in protocol-neutral steps, run once over
 * Remoting and once over gRPC against the same broker, and its observation must equal `expected`
 * on both. `p` is the protocol under test; `other` is the other one, for steps that cross
 * protocols (reading a message back, answering a transaction check).
 */
import { randomBytes } from 'node:crypto';
import { dlqTopic } from '../../../src/common/constants/topic-validator.ts';
import { Code } from '../../../src/proxy/grpc/grpc-status.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { uniqueName } from '../../helpers/start-cluster.ts';
import { waitUntil } from '../../helpers/wait-for.ts';
import type {
  Decision,
  Delivered,
  Env,
  NeutralConsumer,
  OutgoingMessage,
  ProtocolName,
  Session,
} from './drivers.ts';

export interface ScenarioContext {
  env: Env;
  /** The protocol under test. */
  p: Session;
  /** The other protocol. */
  other: Session;
}

export interface Scenario {
  /** A behaviour sentence; the runner adds which protocol ran it. */
  title: string;
  /** What the scenario observes, the same over both protocols. */
  expected: unknown;
  run(ctx: ScenarioContext): Promise<unknown>;
}

/** Long enough that nothing comes again while a scenario runs. */
const INVISIBLE_MS = 30000;

/** Receives until `n` messages came, failing loudly after `timeoutMs`. */
async function receiveN(
  consumer: NeutralConsumer,
  n: number,
  what: string,
  timeoutMs = 15000,
): Promise<Delivered[]> {
  const out: Delivered[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}: ${out.length} of ${n} came (${out.map((m) => m.body).join(', ')})`,
      );
    out.push(...(await consumer.receive(Math.min(32, n - out.length), INVISIBLE_MS)));
  }
  return out;
}

function pick(props: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => k in props).map((k) => [k, props[k] as string]));
}

/** Both sessions in one order whichever is under test (observations are keyed by reader). */
function bothReaders({ p, other }: Pick<ScenarioContext, 'p' | 'other'>): Session[] {
  return [p, other].sort((a, b) => a.name.localeCompare(b.name));
}

interface ConnectionList {
  connectionSet: { clientId: string }[];
  subscriptionTable: Record<string, unknown>;
  messageModel: string;
}

/** GET_CONSUMER_CONNECTION_LIST: the group's live members, or the code when none is online. */
async function connectionList(env: Env, group: string): Promise<ConnectionList | number> {
  const res = await env.call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: group });
  if (res.code !== ResponseCode.SUCCESS) return res.code;
  return JSON.parse(res.body?.toString('utf8') ?? '{}') as ConnectionList;
}

const sendAndReadBack: Scenario = {
  title:
    'a message sent reads back over both protocols with its id, body, tag, keys and properties',
  expected: Object.fromEntries(
    (['Remoting', 'gRPC'] satisfies ProtocolName[]).map((reader) => [
      reader,
      {
        sameId: true,
        body: 'hello, conformance',
        tag: 'TagA',
        keys: ['order-1', 'order-2'],
        properties: { color: 'blue', size: 'L' },
      },
    ]),
  ),
  async run({ env, p, other }) {
    const topic = uniqueName('ConfSend');
    await env.cluster.createTopic(topic, 2);
    const readers = bothReaders({ p, other });
    const consumers = await Promise.all(readers.map((r) => r.consumer(uniqueName('GID'), topic)));
    const producer = await p.producer(topic);
    const properties = { color: 'blue', size: 'L' };
    const { messageId } = await producer.send({
      topic,
      body: 'hello, conformance',
      tag: 'TagA',
      keys: ['order-1', 'order-2'],
      properties,
    });
    const seen: Record<string, unknown> = {};
    for (const [i, reader] of readers.entries()) {
      const [m] = await receiveN(
        consumers[i] as NeutralConsumer,
        1,
        `the message over ${reader.name}`,
      );
      if (!m) throw new Error('unreachable');
      await m.ack();
      seen[reader.name] = {
        sameId: m.messageId === messageId,
        body: m.body,
        tag: m.tag,
        keys: m.keys,
        properties: pick(m.properties, Object.keys(properties)),
      };
    }
    return seen;
  },
};

const consumerListed: Scenario = {
  title:
    'a consumer that starts is listed in its group with its client id and subscription, and unlisted when it shuts down',
  expected: {
    listed: true,
    subscribedTopics: ['<topic>'],
    messageModel: 'CLUSTERING',
    afterShutdown: ResponseCode.CONSUMER_NOT_ONLINE,
  },
  async run({ env, p }) {
    const topic = uniqueName('ConfListed');
    await env.cluster.createTopic(topic, 1);
    const group = uniqueName('GID');
    const consumer = await p.consumer(group, topic);
    const found: { list?: ConnectionList } = {};
    await waitUntil(
      async () => {
        const list = await connectionList(env, group);
        if (
          typeof list !== 'number' &&
          list.connectionSet.some((c) => c.clientId === consumer.clientId)
        )
          found.list = list;
        return found.list !== undefined;
      },
      10000,
      `the broker lists ${consumer.clientId} in ${group}`,
    );
    const listed = found.list as ConnectionList;
    await consumer.close();
    return {
      listed: true,
      subscribedTopics: Object.keys(listed.subscriptionTable).map((x) =>
        x === topic ? '<topic>' : x,
      ),
      messageModel: listed.messageModel,
      // Shutdown resolves after the client told the broker (UNREGISTER_CLIENT /
      // NotifyClientTermination), so the group is empty at once.
      afterShutdown: await connectionList(env, group),
    };
  },
};

const offsets: Scenario = {
  title:
    'offsets are committed, queried and reset by time while a consumer runs; a commit made while the reset is pending is ignored',
  expected: {
    receivedFirst: ['m0', 'm1', 'm2'],
    offsetAfterAcks: 3,
    commit: { ok: true, offsetAfter: 2 },
    resetTo: [{ queueId: 0, offset: 1 }],
    offsetAfterReset: 1,
    staleCommit: { ok: true, offsetAfter: 1 },
    receivedAfterReset: 'm1',
    commitAfterFollowing: { ok: true, offsetAfter: 3 },
  },
  async run({ env, p }) {
    const topic = uniqueName('ConfOffsets');
    await env.cluster.createTopic(topic, 1);
    const group = uniqueName('GID');
    const consumer = await p.consumer(group, topic);
    const producer = await p.producer(topic);
    await producer.send({ topic, body: 'm0' });
    // The reset time falls strictly between m0's store time and m1's.
    const afterM0 = Date.now();
    await waitUntil(() => Date.now() > afterM0, 1000, 'the clock passes m0');
    const resetTime = Date.now();
    await producer.send({ topic, body: 'm1' });
    await producer.send({ topic, body: 'm2' });

    const first = await receiveN(consumer, 3, 'm0..m2');
    for (const m of first) await m.ack();
    const offsetAfterAcks = await p.queryOffset(group, topic, 0);

    const committed = await p.commitOffset(group, topic, 0, 2);
    const commit = { ok: committed.ok, offsetAfter: await p.queryOffset(group, topic, 0) };

    // INVOKE_BROKER_TO_RESET_OFFSET; then, before the consumer receives again, a commit of the
    // consumer's old position (3) arrives, as from a consumer that has not followed the reset yet.
    const reset = await env.admin.resetOffsetByTime(group, topic, resetTime);
    const offsetAfterReset = await p.queryOffset(group, topic, 0);
    const stale = await p.commitOffset(group, topic, 0, 3);
    const staleCommit = { ok: stale.ok, offsetAfter: await p.queryOffset(group, topic, 0) };

    const [again] = await receiveN(consumer, 1, 'the first message after the reset');
    await again?.ack();
    const following = await p.commitOffset(group, topic, 0, 3);
    return {
      receivedFirst: first.map((m) => m.body),
      offsetAfterAcks,
      commit,
      resetTo: reset.map((q) => ({ queueId: q.queueId, offset: q.offset })),
      offsetAfterReset,
      staleCommit,
      receivedAfterReset: again?.body,
      commitAfterFollowing: {
        ok: following.ok,
        offsetAfter: await p.queryOffset(group, topic, 0),
      },
    };
  },
};

const deadLetter: Scenario = {
  title:
    'a message forwarded to the dead letter queue is consumed from its topic and readable in %DLQ%group over both protocols',
  expected: {
    groupOffsetAfterForward: 1,
    dlq: Object.fromEntries(
      (['Remoting', 'gRPC'] satisfies ProtocolName[]).map((reader) => [
        reader,
        {
          sameId: true,
          body: 'doomed',
          tag: 'TagD',
          keys: ['dk'],
          deliveryAttempt: 2,
          // Only Remoting shows system properties: where the message came from.
          ...(reader === 'Remoting'
            ? { origin: { RETRY_TOPIC: '<topic>', ORIGIN_MESSAGE_ID: '<message id>' } }
            : {}),
        },
      ]),
    ),
  },
  async run(ctx) {
    const { env, p } = ctx;
    const topic = uniqueName('ConfDlq');
    await env.cluster.createTopic(topic, 1);
    const group = uniqueName('GID');
    const consumer = await p.consumer(group, topic);
    const producer = await p.producer(topic);
    const { messageId } = await producer.send({ topic, body: 'doomed', tag: 'TagD', keys: ['dk'] });
    const [m] = await receiveN(consumer, 1, 'the message to forward');
    if (!m) throw new Error('unreachable');
    await m.forwardToDeadLetterQueue();
    const groupOffsetAfterForward = await p.queryOffset(group, topic, 0);
    const dlq = dlqTopic(group);
    // The Remoting reader finds the DLQ through the name server; the broker registers it there.
    await waitUntil(
      () => env.cluster.namesrv.routes.pickupTopicRouteData(dlq) !== undefined,
      10000,
      `the name server routes ${dlq}`,
    );
    const seen: Record<string, unknown> = {};
    for (const reader of bothReaders(ctx)) {
      const dlqConsumer = await reader.consumer(uniqueName('GID'), dlq);
      const [d] = await receiveN(dlqConsumer, 1, `${dlq} over ${reader.name}`);
      if (!d) throw new Error('unreachable');
      await d.ack();
      seen[reader.name] = {
        sameId: d.messageId === messageId,
        body: d.body,
        tag: d.tag,
        keys: d.keys,
        deliveryAttempt: d.deliveryAttempt,
        ...(reader.name === 'Remoting'
          ? {
              origin: {
                RETRY_TOPIC:
                  d.properties.RETRY_TOPIC === topic ? '<topic>' : d.properties.RETRY_TOPIC,
                ORIGIN_MESSAGE_ID:
                  d.properties.ORIGIN_MESSAGE_ID === messageId
                    ? '<message id>'
                    : d.properties.ORIGIN_MESSAGE_ID,
              },
            }
          : {}),
      };
    }
    return { groupOffsetAfterForward, dlq: seen };
  },
};

const transactions: Scenario = {
  title:
    'a committed transaction delivers, a rolled back one never does, and an open one is resolved by a check-back answered over the other protocol',
  expected: {
    delivered: ['commit', 'orphan'],
    otherProtocolAsked: ['orphan'],
    laterDeliveries: [],
  },
  async run({ env, p, other }) {
    const topic = uniqueName('ConfTx');
    await env.admin.updateTopic([env.cluster.brokerAddr], {
      topic,
      readQueueNums: 2,
      writeQueueNums: 2,
      attributes: '+message.type=TRANSACTION',
    });
    await waitUntil(
      () => env.cluster.namesrv.routes.pickupTopicRouteData(topic) !== undefined,
      5000,
      `the name server routes ${topic}`,
    );
    const consumer = await p.consumer(uniqueName('GID'), topic);
    // The sending producer leaves the orphan open, also when it is asked before it leaves.
    const own = (body: string): Decision =>
      body === 'commit' ? 'commit' : body === 'rollback' ? 'rollback' : 'unknown';
    const sender = await p.transactionProducer(topic, own);
    await sender.send('rollback', 'rollback');
    await sender.send('commit', 'commit');
    await sender.send('orphan', 'unknown');
    await sender.close();
    // The only producer of the group now speaks the other protocol; it commits the orphan.
    const asked: string[] = [];
    await other.transactionProducer(topic, (body) => {
      asked.push(body);
      return body === 'rollback' ? 'rollback' : 'commit';
    });
    const delivered = await receiveN(consumer, 2, 'the committed and the checked message', 20000);
    for (const m of delivered) await m.ack();
    const later = await consumer.receive(32, INVISIBLE_MS);
    return {
      delivered: delivered.map((m) => m.body).sort(),
      otherProtocolAsked: [...new Set(asked)].sort(),
      laterDeliveries: later.map((m) => m.body),
    };
  },
};

/** The broker's maxMessageSize in the conformance cluster. */
export const MAX_MESSAGE_SIZE = 64 * 1024;

/**
 * The refusals, what each means, and the codes each protocol says it with (RocketMQ's broker for
 * Remoting, RocketMQ's proxy for gRPC). A protocol answering outside its list answers with
 * another meaning.
 */
export const REFUSALS: readonly {
  case: string;
  meaning: string;
  Remoting: readonly number[];
  gRPC: readonly number[];
  message(knownTopic: string): OutgoingMessage;
}[] = [
  {
    case: 'to an unknown topic',
    meaning: 'topic not found',
    Remoting: [ResponseCode.TOPIC_NOT_EXIST],
    gRPC: [Code.TOPIC_NOT_FOUND],
    message: () => ({ topic: uniqueName('ConfNoSuchTopic'), body: 'x' }),
  },
  {
    case: 'to an illegal topic name',
    meaning: 'illegal topic',
    Remoting: [ResponseCode.INVALID_PARAMETER],
    gRPC: [Code.ILLEGAL_TOPIC],
    message: () => ({ topic: `${uniqueName('ConfIllegal')}#name`, body: 'x' }),
  },
  {
    case: 'with an oversized body',
    meaning: 'body too large',
    Remoting: [ResponseCode.MESSAGE_ILLEGAL],
    gRPC: [Code.MESSAGE_BODY_TOO_LARGE],
    // Random bytes: incompressible, so no client shrinks them under the limit.
    message: (knownTopic) => ({ topic: knownTopic, body: randomBytes(MAX_MESSAGE_SIZE + 1024) }),
  },
];

/** "a", "a or b", "a, b or c". */
function alternatives(items: readonly string[]): string {
  return items.length < 2
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** "NAME number" of a protocol's code, for a readable mismatch. */
function codeName(protocol: ProtocolName, code: number): string {
  const table: Record<string, number> = protocol === 'Remoting' ? ResponseCode : Code;
  return `${Object.keys(table).find((k) => table[k] === code) ?? 'code'} ${code}`;
}

const refusals: Scenario = {
  title: `a send ${alternatives(REFUSALS.map((r) => r.case))} is refused with the same meaning`,
  expected: Object.fromEntries(REFUSALS.map((r) => [r.case, r.meaning])),
  async run({ env, p }) {
    const known = uniqueName('ConfRefusal');
    await env.cluster.createTopic(known, 1);
    const out: Record<string, string> = {};
    for (const r of REFUSALS) {
      const code = await p.refusal(r.message(known), known);
      out[r.case] = r[p.name].includes(code) ? r.meaning : `answered ${codeName(p.name, code)}`;
    }
    return out;
  },
};

export const SCENARIOS: readonly Scenario[] = [
  sendAndReadBack,
  consumerListed,
  offsets,
  deadLetter,
  transactions,
  refusals,
];
