import { gunzipSync } from 'node:zlib';
import type {
  sendUnaryData,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BrokerOperations } from '../../broker/operations/broker-operations.ts';
import { MessageConst } from '../../common/message/message-const.ts';
import { decodeRecord } from '../../common/message/message-ext-codec.ts';
import { encodeProperties } from '../../common/message/message-properties.ts';
import { encodeSocketAddress } from '../../common/message/socket-address.ts';
import { decodeOffsetMessageId } from '../../common/message/message-id.ts';
import { javaStringHash } from '../../common/message/java-hash.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import { isReadable, isWriteable } from '../../common/constants/perm-name.ts';
import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import { succeeded } from '../../broker/operations/outcome.ts';
import { Code, OK, status, statusOf, statusOfError, type Status } from './grpc-status.ts';
import {
  fromMillis,
  reservedPropertyKey,
  toMillis,
  toV2Message,
  unwrapNamespace,
  wrapNamespace,
  type ProtoTime,
  type V2Message,
  type V2Resource,
} from './message-mapping.ts';
import { TelemetrySessions } from './telemetry.ts';

type Req = Record<string, unknown>;
type Res = Record<string, unknown>;

export interface MessagingServiceOptions {
  operations: BrokerOperations;
  /** Cancels a timer message not yet due (RecallMessage); false when it is already due. */
  recall: (messageId: string, deliverMs: number) => boolean;
  /** host:port clients reach this endpoint at, when a request does not say. */
  endpoint: () => { host: string; port: number };
  logger: Logger;
}

/** Call context from the metadata: the client id and namespace every RPC carries. */
interface Ctx {
  clientId: string;
  namespace: string;
  peerHost: string;
  /** host:port of the client. */
  peer: string;
}

const MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;
const MAX_PROPERTIES_BYTES = 16 * 1024;
const DEFAULT_INVISIBLE_MS = 60000;
const DEFAULT_POLLING_MS = 20000;
const POP_BATCH_MAX = 32;

/**
 * `apache.rocketmq.v2.MessagingService` over the broker's protocol-neutral operations, so the
 * official 5.x SDKs talk to the broker process directly. Failures are answered inside each
 * response's Status (gRPC status OK), as the RocketMQ proxy does; never a Status with code 0.
 */
export function messagingService(o: MessagingServiceOptions): {
  handlers: UntypedServiceImplementation;
  telemetry: TelemetrySessions;
} {
  const { operations: ops, logger } = o;
  const { limits } = ops;
  const brokerName = limits.brokerName;
  const telemetry = new TelemetrySessions(ops, logger);

  const ctxOf = (call: { metadata: { get(k: string): unknown[] }; getPeer(): string }): Ctx => {
    const first = (k: string): string => {
      const v = call.metadata.get(k)[0];
      return typeof v === 'string' ? v : v instanceof Buffer ? v.toString() : '';
    };
    const peer = call.getPeer();
    const host = /^(?:ipv4:)?(\d+\.\d+\.\d+\.\d+):\d+$/.exec(peer)?.[1] ?? '127.0.0.1';
    return {
      clientId: first('x-mq-client-id'),
      namespace: first('x-mq-namespace'),
      peerHost: host,
      peer: peer.replace(/^ipv[46]:/, ''),
    };
  };

  /** A unary handler that answers every failure inside the response's Status. */
  const unary =
    (fn: (req: Req, ctx: Ctx) => Promise<Res> | Res) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const ctx = ctxOf(call);
      Promise.resolve()
        .then(() => (ctx.clientId ? fn(call.request, ctx) : { status: clientIdRequired() }))
        .then(
          (res) => {
            const st = res.status as Status | undefined;
            if (st && st.code !== Code.OK)
              logger.debug(
                { rpc: fn.name, code: st.code, remark: st.message },
                'gRPC call answered',
              );
            callback(null, res);
          },
          (err: unknown) => {
            logger.error({ err }, 'gRPC call failed');
            callback(null, { status: statusOfError(err) });
          },
        );
    };

  const endpointsFor = (req: Req): Res => {
    const given = req.endpoints as { addresses?: { host: string; port: number }[] } | undefined;
    const address = given?.addresses?.[0] ?? o.endpoint();
    return {
      scheme: /^\d+\.\d+\.\d+\.\d+$/.test(address.host) ? 'IPv4' : 'DOMAIN_NAME',
      addresses: [{ host: address.host, port: address.port }],
    };
  };

  const queueOf = (
    tc: TopicConfig,
    ns: string,
    id: number,
    endpoints: Res,
    permission = 'READ_WRITE',
  ): Res => ({
    topic: { resourceNamespace: ns, name: unwrapNamespace(ns, tc.topicName) },
    id,
    permission,
    broker: { name: brokerName, id: 0, endpoints },
    acceptMessageTypes: acceptTypes(tc),
  });

  const topicOr = (name: string): TopicConfig | Status =>
    ops.admin.topic(name) ??
    status(
      Code.TOPIC_NOT_FOUND,
      `No topic route info in name server for the topic: ${name} (create it with rmq admin updateTopic)`,
    );

  const handlers: UntypedServiceImplementation = {
    QueryRoute: unary((req, ctx) => {
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const tc = topicOr(topic);
      if ('code' in tc) return { status: tc, messageQueues: [] };
      const endpoints = endpointsFor(req);
      const queues: Res[] = [];
      const n = Math.max(tc.readQueueNums, tc.writeQueueNums);
      for (let id = 0; id < n; id++) {
        const r = id < tc.readQueueNums && isReadable(tc.perm);
        const w = id < tc.writeQueueNums && isWriteable(tc.perm);
        const permission = r && w ? 'READ_WRITE' : r ? 'READ' : w ? 'WRITE' : 'NONE';
        queues.push(queueOf(tc, ctx.namespace, id, endpoints, permission));
      }
      return { status: OK, messageQueues: queues };
    }),

    Heartbeat: unary((_req, ctx) => {
      const r = telemetry.heartbeat(ctx.clientId);
      return { status: statusOf(r) };
    }),

    NotifyClientTermination: unary((_req, ctx) => {
      telemetry.close(ctx.clientId);
      return { status: OK };
    }),

    Telemetry: (stream: ServerDuplexStream<Req, Res>) => {
      const ctx = ctxOf(stream);
      telemetry.serve(stream, ctx.clientId, ctx.namespace, ctx.peer);
    },

    SendMessage: unary(async (req, ctx) => {
      const messages = (req.messages as V2Message[] | undefined) ?? [];
      if (messages.length === 0)
        return { status: status(Code.BAD_REQUEST, 'the request holds no message'), entries: [] };
      const entries: Res[] = [];
      for (const m of messages) entries.push(await sendOne(m, ctx));
      const failed = entries.find((e) => (e.status as Status).code !== Code.OK);
      return { status: failed ? failed.status : OK, entries };
    }),

    EndTransaction: unary(async (req) => {
      const transactionId = text(req.transactionId);
      let commitLogOffset: number;
      try {
        commitLogOffset = decodeOffsetMessageId(transactionId).commitLogOffset;
      } catch {
        return {
          status: status(
            Code.INVALID_TRANSACTION_ID,
            `the transaction id "${transactionId}" is not one this broker issued`,
          ),
        };
      }
      const outcome =
        req.resolution === 'COMMIT'
          ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
          : req.resolution === 'ROLLBACK'
            ? MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
            : MessageSysFlag.TRANSACTION_NOT_TYPE;
      const r = await ops.send.endTransaction(commitLogOffset, -1, outcome);
      return {
        status: statusOf(r),
      };
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
      if (!o.recall(handle.messageId, handle.deliverMs))
        return {
          status: status(
            Code.NOT_FOUND,
            `the message ${handle.messageId} was already due and delivered`,
          ),
        };
      return { status: OK, messageId: handle.messageId };
    }),

    QueryAssignment: unary((req, ctx) => {
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const tc = topicOr(topic);
      if ('code' in tc) return { status: tc, assignments: [] };
      if (!isReadable(tc.perm) || tc.readQueueNums === 0)
        return {
          status: status(Code.FORBIDDEN, `no readable queue in topic ${topic}`),
          assignments: [],
        };
      const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
      const endpoints = endpointsFor(req);
      const fifo = ops.pop.isOrderly(group);
      const ids = fifo ? Array.from({ length: tc.readQueueNums }, (_v, i) => i) : [-1];
      return {
        status: OK,
        assignments: ids.map((id) => ({ messageQueue: queueOf(tc, ctx.namespace, id, endpoints) })),
      };
    }),

    ReceiveMessage: (call: ServerWritableStream<Req, Res>) => {
      const ctx = ctxOf(call);
      void receive(call, ctx).catch((err: unknown) => {
        logger.error({ err }, 'ReceiveMessage failed');
        if (!call.writableEnded) {
          call.write({ status: statusOfError(err) });
          call.end();
        }
      });
    },

    AckMessage: unary(async (req, ctx) => {
      const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const entries: Res[] = [];
      for (const e of (req.entries as { messageId: string; receiptHandle: string }[]) ?? []) {
        const h = parseReceiptHandle(e.receiptHandle);
        const st = h
          ? statusOf(await ops.pop.ackMessage(group, topic, h.queueId, h.popTime, [h.offset]))
          : invalidHandle(e.receiptHandle);
        entries.push({ messageId: e.messageId, receiptHandle: e.receiptHandle, status: st });
      }
      const failed = entries.find((e) => (e.status as Status).code !== Code.OK);
      return { status: failed ? failed.status : OK, entries };
    }),

    ChangeInvisibleDuration: unary(async (req, ctx) => {
      const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const handle = text(req.receiptHandle);
      const h = parseReceiptHandle(handle);
      if (!h) return { status: invalidHandle(handle) };
      const invisible = toMillis(req.invisibleDuration as ProtoTime);
      const r = await ops.pop.changeInvisibleTime(
        group,
        topic,
        h.queueId,
        h.popTime,
        h.offset,
        invisible,
      );
      if (r.popTime === undefined) return { status: statusOf(r) };
      const fields = handle.split(' ');
      fields[1] = String(r.popTime);
      fields[2] = String(invisible);
      return { status: OK, receiptHandle: fields.join(' ') };
    }),

    ForwardMessageToDeadLetterQueue: unary(async (req, ctx) => {
      const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const handle = text(req.receiptHandle);
      const h = parseReceiptHandle(handle);
      if (!h) return { status: invalidHandle(handle) };
      return {
        status: statusOf(
          await ops.pop.forwardToDeadLetterQueue(group, topic, h.queueId, h.popTime, h.offset),
        ),
      };
    }),

    PullMessage: (call: ServerWritableStream<Req, Res>) => {
      const ctx = ctxOf(call);
      void pull(call, ctx).catch((err: unknown) => {
        if (!call.writableEnded) {
          call.write({ status: statusOfError(err) });
          call.end();
        }
      });
    },

    UpdateOffset: unary((req, ctx) => {
      const q = req.messageQueue as { topic: V2Resource; id: number };
      const r = ops.offsets.commitConsumerOffset(
        wrapNamespace(ctx.namespace, (req.group as V2Resource).name),
        wrapNamespace(ctx.namespace, q.topic.name),
        q.id,
        Number(req.offset),
      );
      return { status: statusOf(r) };
    }),

    GetOffset: unary((req, ctx) => {
      const q = req.messageQueue as { topic: V2Resource; id: number };
      const r = ops.offsets.queryConsumerOffset(
        wrapNamespace(ctx.namespace, (req.group as V2Resource).name),
        wrapNamespace(ctx.namespace, q.topic.name),
        q.id,
      );
      return { status: statusOf(r), offset: r.offset ?? 0 };
    }),

    QueryOffset: unary((req, ctx) => {
      const q = req.messageQueue as { topic: V2Resource; id: number };
      const topic = wrapNamespace(ctx.namespace, q.topic.name);
      const offset =
        req.queryOffsetPolicy === 'BEGINNING'
          ? ops.offsets.minOffset(topic, q.id)
          : req.queryOffsetPolicy === 'TIMESTAMP'
            ? ops.offsets.offsetByTime(topic, q.id, toMillis(req.timestamp as ProtoTime))
            : ops.offsets.maxOffset(topic, q.id);
      return { status: OK, offset };
    }),

    SyncLiteSubscription: unary(() => ({
      status: status(Code.NOT_IMPLEMENTED, 'lite topics are not supported by this broker'),
    })),
  };

  /** One message of a SendMessage: checked as the proxy checks it, then stored. */
  async function sendOne(m: V2Message, ctx: Ctx): Promise<Res> {
    const sp = m.systemProperties;
    const messageId = sp.messageId ?? '';
    const fail = (st: Status): Res => ({ status: st, messageId, transactionId: '', offset: 0 });
    if (!messageId.trim()) return fail(status(Code.ILLEGAL_MESSAGE_ID, 'the message id is blank'));
    const topic = wrapNamespace(ctx.namespace, m.topic.name);
    const tc = topicOr(topic);
    if ('code' in tc) return fail(tc);
    const type = (sp.messageType ?? 'NORMAL') as (typeof MESSAGE_TYPES)[number];
    const accepted = acceptTypes(tc);
    if (!accepted.includes(type))
      return fail(
        status(
          Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
          `topic ${topic} accepts ${accepted.join('/')} messages, not ${type} (its message.type attribute)`,
        ),
      );
    const group = sp._messageGroup ? sp.messageGroup : undefined;
    const deliverMs = sp._deliveryTimestamp ? toMillis(sp.deliveryTimestamp) : 0;
    if (type === 'FIFO' && !group)
      return fail(
        status(Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, 'a FIFO message needs a message group'),
      );
    if (type === 'DELAY' && !deliverMs)
      return fail(
        status(
          Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
          'a DELAY message needs a delivery timestamp',
        ),
      );
    if (type !== 'FIFO' && group)
      return fail(
        status(
          Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
          `a ${type} message cannot have a message group`,
        ),
      );
    if (group && Buffer.byteLength(group) >= 64)
      return fail(status(Code.ILLEGAL_MESSAGE_GROUP, 'the message group is 64 bytes or longer'));
    const tag = sp._tag ? sp.tag : undefined;
    if (tag !== undefined && (tag.trim() === '' || tag.includes('|') || hasControlCharacter(tag)))
      return fail(
        status(
          Code.ILLEGAL_MESSAGE_TAG,
          `the tag "${tag}" is blank or has "|" or control characters`,
        ),
      );
    const maxDelay = limits.timerMaxDelaySec * 1000;
    if (deliverMs - Date.now() > maxDelay)
      return fail(
        status(
          Code.ILLEGAL_DELIVERY_TIME,
          `the delivery time is more than timerMaxDelaySec ${limits.timerMaxDelaySec} s ahead`,
        ),
      );
    const props = new Map<string, string>();
    let propertyBytes = 0;
    for (const [k, v] of Object.entries(m.userProperties ?? {})) {
      const reserved = reservedPropertyKey(k);
      if (reserved) return fail(status(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, reserved));
      props.set(k, v);
      propertyBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (propertyBytes > MAX_PROPERTIES_BYTES)
      return fail(
        status(
          Code.MESSAGE_PROPERTIES_TOO_LARGE,
          `user properties are ${propertyBytes} bytes, above ${MAX_PROPERTIES_BYTES}`,
        ),
      );
    let body = m.body;
    if (sp.bodyEncoding === 'GZIP') {
      try {
        // Bounded: a small compressed body must not inflate past what the broker would store.
        body = gunzipSync(body, { maxOutputLength: limits.maxMessageSize + 1 });
      } catch (err) {
        return fail(
          status(
            Code.MESSAGE_BODY_TOO_LARGE,
            `the GZIP body cannot be inflated within maxMessageSize ${limits.maxMessageSize}: ${(err as Error).message}`,
          ),
        );
      }
    }
    if (body.length > limits.maxMessageSize)
      return fail(
        status(
          Code.MESSAGE_BODY_TOO_LARGE,
          `the body is ${body.length} bytes, above maxMessageSize ${limits.maxMessageSize}`,
        ),
      );
    if (tag !== undefined) props.set(MessageConst.PROPERTY_TAGS, tag);
    const keys = (sp.keys ?? []).filter((k) => k !== '');
    if (keys.length > 0)
      props.set(MessageConst.PROPERTY_KEYS, keys.join(MessageConst.KEY_SEPARATOR));
    props.set(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, messageId);
    props.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, 'true');
    if (group) props.set(MessageConst.PROPERTY_SHARDING_KEY, group);
    if (type === 'DELAY') props.set(MessageConst.PROPERTY_TIMER_DELIVER_MS, String(deliverMs));
    if (type === 'TRANSACTION') {
      props.set(MessageConst.PROPERTY_TRANSACTION_PREPARED, 'true');
      // gRPC has no producer group: the topic stands for it, as in the RocketMQ proxy.
      props.set(MessageConst.PROPERTY_PRODUCER_GROUP, topic);
    }
    telemetry.notePublisher(ctx.clientId, topic);
    const queueId = group ? Math.abs(javaStringHash(group)) % Math.max(1, tc.writeQueueNums) : -1;
    const r = await ops.send.sendMessage({
      producerGroup: topic,
      topic,
      defaultTopicQueueNums: tc.writeQueueNums,
      queueId,
      sysFlag: type === 'TRANSACTION' ? MessageSysFlag.TRANSACTION_PREPARED_TYPE : 0,
      bornTimestamp: toMillis(sp.bornTimestamp) || Date.now(),
      flag: 0,
      propertiesString: encodeProperties(props),
      reconsumeTimes: 0,
      body,
      bornHost: encodeSocketAddress(ctx.peerHost, 0),
      batch: false,
    });
    if (!succeeded(r)) return fail(statusOf(r));
    const entry: Res = {
      status: OK,
      messageId,
      // A half message is ended by its offset id; other messages carry their own id, as the proxy.
      transactionId: type === 'TRANSACTION' ? (r.msgId ?? '') : messageId,
      offset: r.queueOffset ?? 0,
    };
    if (type === 'DELAY')
      entry.recallHandle = recallHandle(topic, brokerName, deliverMs, messageId);
    return entry;
  }

  async function receive(call: ServerWritableStream<Req, Res>, ctx: Ctx): Promise<void> {
    const req = call.request;
    const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
    const queue = req.messageQueue as { topic: V2Resource };
    const topic = wrapNamespace(ctx.namespace, queue.topic.name);
    const filter = req.filterExpression as { type?: string; expression?: string } | undefined;
    const invisible = req._invisibleDuration
      ? toMillis(req.invisibleDuration as ProtoTime)
      : DEFAULT_INVISIBLE_MS;
    let polling = req._longPollingTimeout
      ? toMillis(req.longPollingTimeout as ProtoTime)
      : DEFAULT_POLLING_MS;
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
    if (Number.isFinite(deadlineMs) && deadlineMs > 0)
      polling = Math.max(0, Math.min(polling, deadlineMs - Date.now() - 1000));
    const r = await ops.pop.popMessage({
      group,
      topic,
      queueId: -1,
      maxMsgNums: Math.max(1, Math.min(POP_BATCH_MAX, Number(req.batchSize) || POP_BATCH_MAX)),
      invisibleTime: invisible,
      pollTime: polling,
      initMode: 0,
      expressionType: filter?.type === 'SQL' ? 'SQL92' : 'TAG',
      expression: filter?.expression || '*',
      order: ops.pop.isOrderly(group),
      onHold: (abort) => {
        call.on('cancelled', abort);
        return () => call.off('cancelled', abort);
      },
    });
    if (call.cancelled || call.writableEnded) return;
    if (r.messages.length === 0) {
      const st = statusOf(r);
      call.write({
        status:
          st.code === Code.MESSAGE_NOT_FOUND
            ? status(Code.MESSAGE_NOT_FOUND, 'no new message')
            : st,
      });
      call.end();
      return;
    }
    call.write({ status: OK });
    for (const m of r.messages) {
      const start = r.startOffsets.get(m.queueId) ?? m.queueOffset;
      const handle = `${start} ${r.popTime} ${r.invisibleTime} ${r.reviveQid} 0 ${brokerName} ${m.queueId} ${m.queueOffset}`;
      call.write({
        message: toV2Message(decodeRecord(m.record), {
          namespace: ctx.namespace,
          receiptHandle: handle,
          invisibleMs: r.invisibleTime,
        }),
      });
    }
    call.write({ deliveryTimestamp: fromMillis(Date.now()) });
    call.end();
  }

  async function pull(call: ServerWritableStream<Req, Res>, ctx: Ctx): Promise<void> {
    const req = call.request;
    const q = req.messageQueue as { topic: V2Resource; id: number };
    const filter = req.filterExpression as { type?: string; expression?: string } | undefined;
    const r = await ops.pull.pullMessage({
      group: wrapNamespace(ctx.namespace, (req.group as V2Resource).name),
      topic: wrapNamespace(ctx.namespace, q.topic.name),
      queueId: q.id,
      queueOffset: Number(req.offset),
      maxMsgNums: Math.max(1, Number(req.batchSize) || 32),
      subscription: filter?.expression || '*',
      expressionType: filter?.type === 'SQL' ? 'SQL92' : 'TAG',
      commitOffset: undefined,
      suspendTimeoutMillis: toMillis(req.longPollingTimeout as ProtoTime),
      onHold: (abort) => {
        call.on('cancelled', abort);
        return () => call.off('cancelled', abort);
      },
    });
    if (call.cancelled) return;
    call.write({ status: statusOf(r) });
    if (r.body) {
      for (let p = 0; p + 4 <= r.body.length;) {
        const size = r.body.readInt32BE(p);
        if (size <= 0) break;
        call.write({
          message: toV2Message(decodeRecord(r.body, p, true), { namespace: ctx.namespace }),
        });
        p += size;
      }
    }
    call.write({ nextOffset: r.nextBeginOffset });
    call.end();
  }

  return { handlers, telemetry };
}

function clientIdRequired(): Status {
  return status(Code.CLIENT_ID_REQUIRED, 'the x-mq-client-id header is required');
}

function invalidHandle(handle: string): Status {
  return status(
    Code.INVALID_RECEIPT_HANDLE,
    `the receipt handle "${handle.slice(0, 80)}" is malformed`,
  );
}

/** Accepted message types of a topic, from its message.type attribute (none = NORMAL). */
export function acceptTypes(tc: TopicConfig): string[] {
  const type = tc.attributes['message.type'];
  if (type === 'MIXED') return [...MESSAGE_TYPES];
  if (type && (MESSAGE_TYPES as readonly string[]).includes(type)) return [type];
  return ['NORMAL'];
}

/** The receipt handle: RocketMQ's extraInfo, "ckOffset popTime invisibleTime reviveQid retry brokerName queueId queueOffset". */
function parseReceiptHandle(
  handle: string,
): { popTime: number; queueId: number; offset: number } | undefined {
  const f = handle.split(' ');
  if (f.length < 8) return undefined;
  const popTime = Number(f[1]);
  const queueId = Number(f[6]);
  const offset = Number(f[7]);
  return Number.isSafeInteger(popTime) && Number.isInteger(queueId) && Number.isSafeInteger(offset)
    ? { popTime, queueId, offset }
    : undefined;
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

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}
