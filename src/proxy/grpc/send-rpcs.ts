import { gunzipSync } from 'node:zlib';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { MessageConst } from '../../common/message/message-const.ts';
import { encodeProperties } from '../../common/message/message-properties.ts';
import { encodeSocketAddress } from '../../common/message/socket-address.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import type { DeclaredKind, MessageType } from '../../broker/operations/message-kind.ts';
import { succeeded } from '../../broker/operations/outcome.ts';
import { Code, OK, status, statusOf, type Status } from './grpc-status.ts';
import {
  reservedPropertyKey,
  toMillis,
  wrapNamespace,
  type V2Message,
  type V2Resource,
} from './message-mapping.ts';
import { text, type Ctx, type Res, type RpcEnv } from './rpc-env.ts';

/** Publishing: SendMessage (normal, FIFO, delay, transaction) and RecallMessage of a timer message. */
export function sendRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { ops, unary, telemetry, topicOr } = env;
  const { limits } = ops;
  const brokerName = limits.brokerName;
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

    RecallMessage: unary((req, ctx) => {
      const handle = parseRecallHandle(text(req.recallHandle));
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      if (!handle || handle.topic !== topic || handle.brokerName !== brokerName)
        return {
          status: status(
            Code.BAD_REQUEST,
            `the recall handle does not name a timer message of ${topic} on ${brokerName}`,
          ),
        };
      if (!env.recall(handle.messageId, handle.deliverMs))
        return {
          status: status(
            Code.NOT_FOUND,
            `the message ${handle.messageId} was already due and delivered`,
          ),
        };
      return { status: OK, messageId: handle.messageId };
    }),
  };

  /** One message of a SendMessage: its v2 fields translated, then sent through the core. */
  async function sendOne(m: V2Message, ctx: Ctx): Promise<Res> {
    const sp = m.systemProperties;
    const messageId = sp.messageId ?? '';
    const fail = (st: Status): Res => ({ status: st, messageId, transactionId: '', offset: 0 });
    if (!messageId.trim()) return fail(status(Code.ILLEGAL_MESSAGE_ID, 'the message id is blank'));
    const topic = wrapNamespace(ctx.namespace, m.topic.name);
    // A route first: a gRPC send never auto-creates its topic, as RocketMQ's proxy.
    const tc = topicOr(topic);
    if ('code' in tc) return fail(tc);
    const props = userProperties(m);
    if (!(props instanceof Map)) return fail(props);
    const body = inflatedBody(m, limits.maxMessageSize);
    if (!Buffer.isBuffer(body)) return fail(body);
    const kind = declaredKind(m, props);
    addSystemProperties(props, m, kind, topic, ctx);
    telemetry.notePublisher(ctx.clientId, topic);
    const r = await ops.send.sendMessage({
      producerGroup: topic,
      topic,
      defaultTopicQueueNums: tc.writeQueueNums,
      queueId: -1,
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
    if (!succeeded(r)) return fail(statusOf(r));
    const entry: Res = {
      status: OK,
      messageId,
      // A half message is ended by its offset id; other messages carry their own id, as the proxy.
      transactionId: kind.type === 'TRANSACTION' ? (r.msgId ?? '') : messageId,
      offset: r.queueOffset ?? 0,
    };
    if (kind.type === 'DELAY')
      entry.recallHandle = recallHandle(topic, brokerName, kind.deliverMs, messageId);
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

function recallHandle(
  topic: string,
  brokerName: string,
  deliverMs: number,
  messageId: string,
): string {
  return Buffer.from(`v1 ${topic} ${brokerName} ${deliverMs} ${messageId}`).toString('base64url');
}

function parseRecallHandle(
  handle: string,
): { topic: string; brokerName: string; deliverMs: number; messageId: string } | undefined {
  const f = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
  if (f.length !== 5 || f[0] !== 'v1') return undefined;
  const deliverMs = Number(f[3]);
  if (!Number.isSafeInteger(deliverMs)) return undefined;
  return { topic: f[1] ?? '', brokerName: f[2] ?? '', deliverMs, messageId: f[4] ?? '' };
}
