import { gunzipSync } from 'node:zlib';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { MessageConst } from '../../common/message/message-const.ts';
import { encodeProperties } from '../../common/message/message-properties.ts';
import { encodeSocketAddress } from '../../common/message/socket-address.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import {
  checkDeclaredKind,
  type DeclaredKind,
  type MessageType,
} from '../../broker/operations/message-kind.ts';
import { encodeRecallHandle, parseRecallHandle } from '../../broker/operations/recall-handle.ts';
import { isWriteable } from '../../common/constants/perm-name.ts';
import { javaStringHash } from '../../common/message/java-hash.ts';
import { succeeded } from '../../broker/operations/outcome.ts';
import type { BrokerGateway } from '../../broker/operations/broker-gateway.ts';
import type { SendOutcome } from '../../broker/operations/send-operations.ts';
import { Code, OK, status, statusOf, type Status } from './grpc-status.ts';
import {
  reservedPropertyKey,
  toMillis,
  wrapNamespace,
  type V2Message,
  type V2Resource,
} from './message-mapping.ts';
import { text, type Ctx, type Res, type RpcEnv } from './rpc-env.ts';

/**
 * Publishing: SendMessage (normal, FIFO, delay, transaction) and RecallMessage of a timer message.
 * The endpoint picks the queue among every broker's writable queues of the topic, as RocketMQ's
 * proxy: a FIFO message by its message group's hash, others in turn, and sends through that
 * queue's broker.
 */
export function sendRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { ops, unary, telemetry, topicOr, cluster, gatewayOr } = env;
  const { limits } = ops;
  /** Per topic, the next queue in turn (RocketMQ's proxy goes round its write queues). */
  const turns = new Map<string, number>();
  return {
    SendMessage: unary(async (req, ctx) => {
      const messages = (req.messages as V2Message[] | undefined) ?? [];
      if (messages.length === 0)
        return { status: status(Code.BAD_REQUEST, 'the request holds no message'), entries: [] };
      const entries: Res[] = [];
      for (const m of messages) entries.push(await sendOne(m, ctx));
      const failed = entries.find((e) => (e.status as Status).code !== Code.OK);
      return { status: failed ? failed.status : OK, entries };
    }),

    RecallMessage: unary(async (req, ctx) => {
      const handle = text(req.recallHandle);
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const parsed = parseRecallHandle(handle);
      if (!parsed || parsed.topic !== topic)
        return {
          status: status(
            Code.BAD_REQUEST,
            `the recall handle does not name a timer message of ${topic}`,
          ),
        };
      const gateway = await gatewayOr(parsed.brokerName);
      if ('code' in gateway) return { status: gateway };
      const r = await gateway.recallMessage(topic, handle);
      return succeeded(r)
        ? { status: OK, messageId: r.messageId ?? parsed.messageId }
        : { status: statusOf(r) };
    }),
  };

  /** The broker and queue a message goes to: undefined when no broker takes writes for the topic. */
  async function target(
    topic: string,
    group: string | undefined,
    skip: ReadonlySet<string>,
  ): Promise<{ brokerName: string; queueId: number } | undefined> {
    const writable: { brokerName: string; queueId: number }[] = [];
    for (const b of await cluster.route(topic))
      if (isWriteable(b.perm) && !skip.has(b.brokerName))
        for (let id = 0; id < b.writeQueueNums; id++)
          writable.push({ brokerName: b.brokerName, queueId: id });
    if (writable.length === 0) return undefined;
    let i: number;
    if (group) i = Math.abs(javaStringHash(group)) % writable.length;
    else {
      i = (turns.get(topic) ?? 0) % writable.length;
      turns.set(topic, i + 1);
    }
    return writable[i];
  }

  /** One message of a SendMessage: its v2 fields translated, then sent through its broker's core. */
  async function sendOne(m: V2Message, ctx: Ctx): Promise<Res> {
    const sp = m.systemProperties;
    const messageId = sp.messageId ?? '';
    const fail = (st: Status): Res => ({ status: st, messageId, transactionId: '', offset: 0 });
    if (!messageId.trim()) return fail(status(Code.ILLEGAL_MESSAGE_ID, 'the message id is blank'));
    const topic = wrapNamespace(ctx.namespace, m.topic.name);
    // A route first: a gRPC send never auto-creates its topic, as RocketMQ's proxy.
    const tc = await topicOr(topic);
    if ('code' in tc) return fail(tc);
    const props = userProperties(m);
    if (!(props instanceof Map)) return fail(props);
    const body = inflatedBody(m, limits.maxMessageSize);
    if (!Buffer.isBuffer(body)) return fail(body);
    const kind = declaredKind(m, props);
    addSystemProperties(props, m, kind, topic, ctx);
    telemetry.notePublisher(ctx.clientId, topic);
    // The local core checks the declared kind itself; another broker is sent what it would check.
    const refused = checkDeclaredKind(kind, tc, limits.timerMaxDelaySec);
    if (refused) return fail(statusOf(refused));
    // A broker that cannot be connected never got the message: a non-FIFO one goes to the next
    // broker in turn (a FIFO one must keep its queue, and fails for the client to retry).
    const unreachable = new Set<string>();
    let r: SendOutcome;
    let gateway: BrokerGateway;
    for (;;) {
      const to = await target(topic, kind.group, unreachable);
      if (!to)
        return fail(
          status(
            Code.FORBIDDEN,
            `no broker takes messages for topic ${topic} now (no writable queue${unreachable.size > 0 ? `; cannot connect to ${[...unreachable].join(', ')}` : ''})`,
          ),
        );
      const found = await gatewayOr(to.brokerName);
      if ('code' in found) return fail(found);
      gateway = found;
      r = await gateway.sendMessage({
        producerGroup: topic,
        topic,
        defaultTopicQueueNums: tc.writeQueueNums,
        queueId: to.queueId,
        sysFlag: kind.type === 'TRANSACTION' ? MessageSysFlag.TRANSACTION_PREPARED_TYPE : 0,
        bornTimestamp: toMillis(sp.bornTimestamp) || Date.now(),
        flag: 0,
        propertiesString: encodeProperties(props),
        reconsumeTimes: 0,
        body,
        bornHost: encodeSocketAddress(ctx.peerHost, 0),
        batch: false,
        declared: kind,
      });
      if (!r.unsent || kind.group) break;
      unreachable.add(to.brokerName);
    }
    if (!succeeded(r)) return fail(statusOf(r));
    const entry: Res = {
      status: OK,
      messageId,
      // A half message is ended by its offset id; other messages carry their own id, as the proxy.
      transactionId: kind.type === 'TRANSACTION' ? (r.msgId ?? '') : messageId,
      offset: r.queueOffset ?? 0,
    };
    if (kind.type === 'DELAY')
      entry.recallHandle = encodeRecallHandle({
        topic,
        brokerName: gateway.brokerName,
        deliverMs: kind.deliverMs,
        messageId,
      });
    return entry;
  }
}

/** What a v2 message declares about itself, for the core to check against its topic. */
function declaredKind(m: V2Message, userProps: Map<string, string>): DeclaredKind {
  const sp = m.systemProperties;
  let userPropertyBytes = 0;
  for (const [k, v] of userProps) userPropertyBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  return {
    type: (sp.messageType ?? 'NORMAL') as MessageType,
    group: sp._messageGroup ? sp.messageGroup : undefined,
    deliverMs: sp._deliveryTimestamp ? toMillis(sp.deliveryTimestamp) : 0,
    tag: sp._tag ? sp.tag : undefined,
    userPropertyBytes,
  };
}

/** The user properties; a key v2 keeps among its system properties is refused. */
function userProperties(m: V2Message): Map<string, string> | Status {
  const props = new Map<string, string>();
  for (const [k, v] of Object.entries(m.userProperties ?? {})) {
    const reserved = reservedPropertyKey(k);
    if (reserved) return status(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, reserved);
    props.set(k, v);
  }
  return props;
}

/** The body as stored: GZIP inflated, never past what the core would take (maxMessageSize). */
function inflatedBody(m: V2Message, maxMessageSize: number): Buffer | Status {
  let body = m.body;
  if (m.systemProperties.bodyEncoding === 'GZIP') {
    try {
      // Bounded: a small compressed body must not inflate past what the broker would store.
      body = gunzipSync(body, { maxOutputLength: maxMessageSize + 1 });
    } catch (err) {
      return status(
        Code.MESSAGE_BODY_TOO_LARGE,
        `the GZIP body cannot be inflated within maxMessageSize ${maxMessageSize}: ${(err as Error).message}`,
      );
    }
  }
  return body;
}

/** RocketMQ's property names for what v2 carries as system properties. */
function addSystemProperties(
  props: Map<string, string>,
  m: V2Message,
  kind: DeclaredKind,
  topic: string,
  ctx: Ctx,
): void {
  const sp = m.systemProperties;
  // What the producer says it is (Java and Node send their host name, Python its address), else
  // where the call came from.
  props.set(MessageConst.PROPERTY_BORN_HOST, sp.bornHost?.trim() || ctx.peer);
  if (kind.tag !== undefined) props.set(MessageConst.PROPERTY_TAGS, kind.tag);
  const keys = (sp.keys ?? []).filter((k) => k !== '');
  if (keys.length > 0) props.set(MessageConst.PROPERTY_KEYS, keys.join(MessageConst.KEY_SEPARATOR));
  props.set(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, sp.messageId ?? '');
  props.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, 'true');
  if (kind.group) props.set(MessageConst.PROPERTY_SHARDING_KEY, kind.group);
  if (kind.type === 'DELAY')
    props.set(MessageConst.PROPERTY_TIMER_DELIVER_MS, String(kind.deliverMs));
  if (kind.type === 'TRANSACTION') {
    props.set(MessageConst.PROPERTY_TRANSACTION_PREPARED, 'true');
    // gRPC has no producer group: the topic stands for it, as in the RocketMQ proxy.
    props.set(MessageConst.PROPERTY_PRODUCER_GROUP, topic);
  }
}
