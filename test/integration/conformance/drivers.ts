/**
 * The two protocol drivers of the conformance suite: each implements the same protocol-neutral
 * steps (send, receive, ack, forward to the DLQ, commit and query an offset, transactional sends
 * and check-backs, a refused send) over one protocol, so a scenario is written once and run
 * through both against the same broker.
 *
 * Remoting: our SDK (src/client, `createClient`) and, for requests the SDK keeps to itself
 * (UPDATE_CONSUMER_OFFSET, QUERY_CONSUMER_OFFSET, CONSUMER_SEND_MSG_BACK), plain Remoting requests.
 * gRPC: the unmodified `rocketmq-client-nodejs`, and a raw @grpc/grpc-js client on the same
 * protos for the RPCs that client never sends (UpdateOffset, GetOffset,
 * ForwardMessageToDeadLetterQueue outside FIFO push consumption) and for a send it refuses itself.
 */
import type { TestContext } from 'node:test';
import { credentials, makeGenericClientConstructor, Metadata, type Client } from '@grpc/grpc-js';
import rmq from 'rocketmq-client-nodejs';
import type { AdminClient } from '../../../src/admin/admin-client.ts';
import {
  createClient,
  MQBrokerError,
  type Client as SdkClient,
  type LocalTransactionState,
} from '../../../src/client/index.ts';
import { Code } from '../../../src/proxy/grpc/grpc-status.ts';
import { messagingServiceDefinition } from '../../../src/proxy/grpc/proto-definition.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import type { RemotingCommand } from '../../../src/remoting/protocol/remoting-command.ts';
import { uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { closeClient, quietLogger } from '../../helpers/start-grpc.ts';

const { Producer: GrpcProducer, SimpleConsumer: GrpcSimpleConsumer } = rmq;
type GrpcMessageView = Awaited<
  ReturnType<InstanceType<typeof GrpcSimpleConsumer>['receive']>
>[number];

/** What every scenario runs against: one broker, its gRPC endpoint, an admin and a raw Remoting caller. */
export interface Env {
  cluster: TestCluster;
  /** host:port of the gRPC endpoint beside the broker. */
  endpoint: string;
  admin: AdminClient;
  /** A Remoting request to the broker. */
  call(code: number, ext: Record<string, string>, body?: Buffer): Promise<RemotingCommand>;
}

export type ProtocolName = 'Remoting' | 'gRPC';

/** A message to send, in neither protocol's terms. */
export interface OutgoingMessage {
  topic: string;
  body: string | Buffer;
  tag?: string;
  keys?: string[];
  properties?: Record<string, string>;
}

/** A delivered message, in neither protocol's terms. */
export interface Delivered {
  messageId: string;
  topic: string;
  body: string;
  tag: string | undefined;
  keys: string[];
  /** Every property the protocol shows (Remoting shows system ones too: pick what you compare). */
  properties: Record<string, string>;
  queueId: number;
  queueOffset: number;
  deliveryAttempt: number;
  ack(): Promise<void>;
  /** Moves the message to %DLQ%group now, consuming it (Remoting: send-back with delayLevel -1, then ack). */
  forwardToDeadLetterQueue(): Promise<void>;
}

/** A consumer of one group on one topic (message-level: Remoting POP, gRPC SimpleConsumer). */
export interface NeutralConsumer {
  /** The client id the broker knows this consumer by. */
  readonly clientId: string;
  receive(max: number, invisibleMs: number): Promise<Delivered[]>;
  close(): Promise<void>;
}

export interface NeutralProducer {
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

export type Decision = 'commit' | 'rollback' | 'unknown';

/** A transactional producer; RocketMQ 5 semantics: over gRPC its producer group is the topic. */
export interface NeutralTransactionProducer {
  /** Sends a half message and ends it as `decision` says ('unknown': leaves it to the check-back). */
  send(body: string, decision: Decision): Promise<void>;
  close(): Promise<void>;
}

/** A protocol's answer to a request that has no result but its status. */
export interface Answer {
  ok: boolean;
  /** The protocol's own code: a Remoting ResponseCode, or a v2 Code number. */
  code: number;
  remark: string;
}

/** The protocol-neutral steps, implemented once per protocol for one test. */
export interface Session {
  readonly name: ProtocolName;
  producer(topic: string): Promise<NeutralProducer>;
  consumer(group: string, topic: string): Promise<NeutralConsumer>;
  commitOffset(group: string, topic: string, queueId: number, offset: number): Promise<Answer>;
  queryOffset(group: string, topic: string, queueId: number): Promise<number>;
  /** A transactional producer of `topic` whose check-backs `check` answers from the message body. */
  transactionProducer(
    topic: string,
    check: (body: string) => Decision,
  ): Promise<NeutralTransactionProducer>;
  /**
   * Sends a message the broker is expected to refuse and returns the code it answered (the
   * protocol's success code if it was accepted). `knownTopic` is an existing topic a client
   * may need to start with (the gRPC producer learns the broker's limits from it).
   */
  refusal(message: OutgoingMessage, knownTopic: string): Promise<number>;
}

/** The per-test cleanup list: run last-registered first after the test, even when it fails. */
export type Closer = (fn: () => Promise<void> | void) => void;

export function closerFor(t: TestContext): Closer {
  const fns: (() => Promise<void> | void)[] = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const fn of fns.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  });
  return (fn) => void fns.push(fn);
}

/** `fn` at most once (a scenario may close what the cleanup closes again). */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

export function openSession(name: ProtocolName, env: Env, close: Closer): Session {
  return name === 'Remoting' ? new RemotingSession(env, close) : new GrpcSession(env, close);
}

const LOCAL_STATE: Record<Decision, LocalTransactionState> = {
  commit: 'COMMIT_MESSAGE',
  rollback: 'ROLLBACK_MESSAGE',
  unknown: 'UNKNOW',
};

/** A failed SDK call's broker response code, from the error or the errors it wraps. */
function brokerCodeOf(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof MQBrokerError) return e.responseCode;
  }
  return undefined;
}

class RemotingSession implements Session {
  readonly name = 'Remoting';
  private readonly client: SdkClient;

  constructor(
    private readonly env: Env,
    private readonly close: Closer,
  ) {
    // Short heartbeat and route periods: a SimpleConsumer registers with the broker only by
    // heartbeat (its start() sends none), and a scenario should not wait 30 s for that.
    this.client = createClient({
      namesrvAddr: env.cluster.namesrvAddr,
      clientIP: '127.0.0.1',
      instanceName: uniqueName('conformance'),
      heartbeatBrokerInterval: 200,
      pollNameServerInterval: 200,
    });
    close(() => this.client.shutdown());
  }

  async producer(): Promise<NeutralProducer> {
    // Bodies are never compressed, so a body over the broker's maxMessageSize reaches it as is.
    const producer = this.client.createProducer({
      producerGroup: uniqueName('PID'),
      compressMsgBodyOverHowmuch: 64 * 1024 * 1024,
    });
    await producer.start();
    const close = once(() => producer.shutdown());
    this.close(close);
    return {
      send: async (m) => ({ messageId: (await producer.send(toSdkMessage(m))).msgId }),
      close,
    };
  }

  async consumer(group: string, topic: string): Promise<NeutralConsumer> {
    const consumer = this.client.createSimpleConsumer({
      consumerGroup: group,
      awaitDuration: 500,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe(topic);
    await consumer.start();
    const close = once(() => consumer.shutdown());
    this.close(close);
    return {
      clientId: this.client.clientId,
      receive: async (max, invisibleMs) =>
        (await consumer.receive(max, invisibleMs)).map((m) => ({
          messageId: m.msgId,
          topic: m.topic,
          body: m.body.toString(),
          tag: m.tags,
          keys: m.keys,
          properties: Object.fromEntries(m.properties),
          queueId: m.queueId,
          queueOffset: m.queueOffset,
          deliveryAttempt: m.deliveryAttempt,
          ack: () => consumer.ack(m),
          forwardToDeadLetterQueue: async () => {
            const res = await this.env.call(RequestCode.CONSUMER_SEND_MSG_BACK, {
              group,
              offset: String(m.commitLogOffset),
              delayLevel: '-1',
              originMsgId: m.msgId,
              originTopic: m.topic,
              maxReconsumeTimes: '16',
            });
            if (res.code !== ResponseCode.SUCCESS)
              throw new Error(`CONSUMER_SEND_MSG_BACK answered ${res.code} ${res.remark ?? ''}`);
            // A POP consumer acknowledges what it sent back, or it would come again.
            await consumer.ack(m);
          },
        })),
      close,
    };
  }

  async commitOffset(group: string, topic: string, queueId: number, offset: number) {
    const res = await this.env.call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
      commitOffset: String(offset),
    });
    return {
      ok: res.code === ResponseCode.SUCCESS,
      code: res.code,
      remark: res.remark ?? '',
    };
  }

  async queryOffset(group: string, topic: string, queueId: number): Promise<number> {
    const res = await this.env.call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
    });
    if (res.code !== ResponseCode.SUCCESS)
      throw new Error(`QUERY_CONSUMER_OFFSET answered ${res.code} ${res.remark ?? ''}`);
    return Number(res.extFields?.offset);
  }

  async transactionProducer(
    topic: string,
    check: (body: string) => Decision,
  ): Promise<NeutralTransactionProducer> {
    // The producer group is the topic, as gRPC names the group of a transactional producer.
    const producer = this.client.createTransactionProducer({
      producerGroup: topic,
      transactionListener: {
        executeLocalTransaction: (_m, decision) => LOCAL_STATE[decision as Decision],
        checkLocalTransaction: (view) => LOCAL_STATE[check(view.body.toString())],
      },
    });
    await producer.start();
    const close = once(() => producer.shutdown());
    this.close(close);
    return {
      send: async (body, decision) => {
        await producer.sendMessageInTransaction({ topic, body }, decision);
      },
      close,
    };
  }

  async refusal(message: OutgoingMessage): Promise<number> {
    const producer = await this.producer();
    try {
      await producer.send(message);
      return ResponseCode.SUCCESS;
    } catch (err) {
      const code = brokerCodeOf(err);
      if (code === undefined) throw err;
      return code;
    } finally {
      await producer.close();
    }
  }
}

function toSdkMessage(m: OutgoingMessage) {
  return {
    topic: m.topic,
    body: m.body,
    ...(m.tag !== undefined ? { tags: m.tag } : {}),
    ...(m.keys ? { keys: m.keys } : {}),
    ...(m.properties ? { properties: m.properties } : {}),
  };
}

type Unary = (
  req: unknown,
  md: Metadata,
  cb: (err: Error | null, res: Record<string, unknown>) => void,
) => void;

/** The v2 Code number of a status as proto-loader hands it over (enum names). */
function codeOf(res: Record<string, unknown>): { code: number; remark: string } {
  const status = res.status as { code: string; message: string } | undefined;
  const name = status?.code ?? 'CODE_UNSPECIFIED';
  const code = (Code as Record<string, number>)[name];
  if (code === undefined) throw new Error(`unexpected v2 status ${name}: ${status?.message}`);
  return { code, remark: status?.message ?? '' };
}

/** Node's "Message body size exceeds the threshold" check, made before any RPC. */
const CLIENT_SIDE_BODY_LIMIT = /Message body size exceeds the threshold/;

class GrpcSession implements Session {
  readonly name = 'gRPC';
  private raw: (Client & Record<string, Unary>) | undefined;

  constructor(
    private readonly env: Env,
    private readonly close: Closer,
  ) {}

  /** A raw MessagingService call, for RPCs the official client does not make. */
  private async rpc(
    method: string,
    req: unknown,
    clientId = 'conformance-raw',
  ): Promise<Record<string, unknown>> {
    if (!this.raw) {
      const Ctor = makeGenericClientConstructor(messagingServiceDefinition(), 'MessagingService');
      const raw = new Ctor(this.env.endpoint, credentials.createInsecure()) as unknown as Client &
        Record<string, Unary>;
      this.raw = raw;
      this.close(() => raw.close());
    }
    const raw = this.raw;
    const md = new Metadata();
    md.set('x-mq-client-id', clientId);
    return await new Promise((resolve, reject) =>
      (raw[method] as Unary).call(raw, req, md, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  private queue(topic: string, queueId: number) {
    return {
      topic: { name: topic },
      id: queueId,
      broker: { name: this.env.cluster.broker.config.brokerName },
    };
  }

  async producer(topic: string): Promise<NeutralProducer> {
    const producer = new GrpcProducer({
      endpoints: this.env.endpoint,
      namespace: '',
      topic,
      logger: quietLogger,
    });
    await producer.startup();
    const close = once(() => closeClient(producer));
    this.close(close);
    return {
      send: async (m) => ({ messageId: (await producer.send(toGrpcMessage(m))).messageId }),
      close,
    };
  }

  async consumer(group: string, topic: string): Promise<NeutralConsumer> {
    const consumer = new GrpcSimpleConsumer({
      endpoints: this.env.endpoint,
      namespace: '',
      consumerGroup: group,
      subscriptions: new Map([[topic, '*']]),
      awaitDuration: 1000,
      logger: quietLogger,
    });
    await consumer.startup();
    const close = once(() => closeClient(consumer));
    this.close(close);
    const delivered = (m: GrpcMessageView): Delivered => ({
      messageId: m.messageId,
      topic: m.topic,
      body: m.body.toString(),
      tag: m.tag,
      keys: m.keys,
      properties: Object.fromEntries(m.properties),
      queueId: -1,
      queueOffset: m.offset ?? -1,
      deliveryAttempt: m.deliveryAttempt ?? 0,
      ack: () => consumer.ack(m),
      forwardToDeadLetterQueue: async () => {
        const res = await this.rpc(
          'ForwardMessageToDeadLetterQueue',
          {
            group: { name: group },
            topic: { name: m.topic },
            receiptHandle: m.receiptHandle,
            messageId: m.messageId,
            deliveryAttempt: m.deliveryAttempt ?? 1,
            maxDeliveryAttempts: 17,
          },
          consumer.clientId,
        );
        const { code, remark } = codeOf(res);
        if (code !== Code.OK)
          throw new Error(`ForwardMessageToDeadLetterQueue answered ${code} ${remark}`);
      },
    });
    return {
      clientId: consumer.clientId,
      receive: async (max, invisibleMs) =>
        (await consumer.receive(max, invisibleMs)).map(delivered),
      close,
    };
  }

  async commitOffset(group: string, topic: string, queueId: number, offset: number) {
    const res = await this.rpc('UpdateOffset', {
      group: { name: group },
      messageQueue: this.queue(topic, queueId),
      offset,
    });
    const { code, remark } = codeOf(res);
    return { ok: code === Code.OK, code, remark };
  }

  async queryOffset(group: string, topic: string, queueId: number): Promise<number> {
    const res = await this.rpc('GetOffset', {
      group: { name: group },
      messageQueue: this.queue(topic, queueId),
    });
    const { code, remark } = codeOf(res);
    if (code !== Code.OK) throw new Error(`GetOffset answered ${code} ${remark}`);
    return Number(res.offset);
  }

  async transactionProducer(
    topic: string,
    check: (body: string) => Decision,
  ): Promise<NeutralTransactionProducer> {
    // TransactionResolution: UNSPECIFIED 0 (no answer), COMMIT 1, ROLLBACK 2.
    const resolution = { unknown: 0, commit: 1, rollback: 2 } as const;
    const producer = new GrpcProducer({
      endpoints: this.env.endpoint,
      namespace: '',
      topic,
      logger: quietLogger,
      checker: { check: (view) => Promise.resolve(resolution[check(view.body.toString())]) },
    });
    await producer.startup();
    const close = once(() => closeClient(producer));
    this.close(close);
    return {
      send: async (body, decision) => {
        const tx = producer.beginTransaction();
        await producer.send({ topic, body: Buffer.from(body) }, tx);
        if (decision === 'commit') await tx.commit();
        else if (decision === 'rollback') await tx.rollback();
      },
      close,
    };
  }

  /**
   * Sends through the official client; a message that client refuses before any RPC (its
   * max_body_size check, taken from the broker's Settings) goes out as a raw SendMessage, so the
   * broker answers it.
   */
  async refusal(message: OutgoingMessage, knownTopic: string): Promise<number> {
    // Started on a known topic, the producer has the broker's Settings (max_body_size) at once.
    const producer = new GrpcProducer({
      endpoints: this.env.endpoint,
      namespace: '',
      topic: knownTopic,
      logger: quietLogger,
    });
    await producer.startup();
    try {
      await producer.send(toGrpcMessage(message));
      return Code.OK;
    } catch (err) {
      if (err instanceof TypeError && CLIENT_SIDE_BODY_LIMIT.test(err.message))
        return (await this.rawSend(message)).code;
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'number') throw err;
      return code;
    } finally {
      await closeClient(producer);
    }
  }

  private async rawSend(m: OutgoingMessage): Promise<{ code: number; remark: string }> {
    const res = await this.rpc('SendMessage', {
      messages: [
        {
          topic: { name: m.topic },
          body: Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body),
          userProperties: m.properties ?? {},
          systemProperties: {
            messageId: `01${Buffer.from(uniqueName('m')).toString('hex').slice(0, 32).toUpperCase()}`,
            messageType: 'NORMAL',
            keys: m.keys ?? [],
            ...(m.tag !== undefined ? { tag: m.tag } : {}),
          },
        },
      ],
    });
    return codeOf(res);
  }
}

function toGrpcMessage(m: OutgoingMessage) {
  return {
    topic: m.topic,
    body: Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body),
    ...(m.tag !== undefined ? { tag: m.tag } : {}),
    ...(m.keys ? { keys: m.keys } : {}),
    ...(m.properties ? { properties: new Map(Object.entries(m.properties)) } : {}),
  };
}
