import type { ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { PoppedRef } from '../../broker/operations/broker-gateway.ts';
import { decodeRecord } from '../../common/message/message-ext-codec.ts';
import { Code, OK, status, statusOf, statusOfError, type Status } from './grpc-status.ts';
import {
  fromMillis,
  toMillis,
  toV2Message,
  wrapNamespace,
  type ProtoTime,
  type V2Resource,
} from './message-mapping.ts';
import { text, type Ctx, type Req, type Res, type RpcEnv } from './rpc-env.ts';

const DEFAULT_INVISIBLE_MS = 60000;
const DEFAULT_POLLING_MS = 20000;
const POP_BATCH_MAX = 32;

/** Consumption: ReceiveMessage (POP), AckMessage, ChangeInvisibleDuration, dead letters, PullMessage. */
export function consumeRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { unary, ctxOf, logger, gatewayOr } = env;
  return {
    ReceiveMessage: (call: ServerWritableStream<Req, Res>) => {
      const ctx = ctxOf(call);
      void receive(env, call, ctx).catch((err: unknown) => {
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
        const gateway = h ? await gatewayOr(h.brokerName) : invalidHandle(e.receiptHandle);
        const st =
          !h || 'code' in gateway
            ? (gateway as Status)
            : statusOf(await gateway.ackMessage(poppedRef(group, topic, e.receiptHandle, h)));
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
      const gateway = await gatewayOr(h.brokerName);
      if ('code' in gateway) return { status: gateway };
      const invisible = toMillis(req.invisibleDuration as ProtoTime);
      const r = await gateway.changeInvisibleTime(poppedRef(group, topic, handle, h), invisible);
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
      const gateway = await gatewayOr(h.brokerName);
      if ('code' in gateway) return { status: gateway };
      const ref = poppedRef(group, topic, handle, h);
      return {
        status: statusOf(
          await gateway.forwardToDeadLetterQueue({
            ...ref,
            commitLogOffset: h.commitLogOffset,
            msgId: text(req.messageId),
          }),
        ),
      };
    }),

    PullMessage: (call: ServerWritableStream<Req, Res>) => {
      const ctx = ctxOf(call);
      void pull(env, call, ctx).catch((err: unknown) => {
        if (!call.writableEnded) {
          call.write({ status: statusOfError(err) });
          call.end();
        }
      });
    },
  };
}

/** ReceiveMessage: one pop with long polling, written as status, messages, delivery time. */
async function receive(env: RpcEnv, call: ServerWritableStream<Req, Res>, ctx: Ctx): Promise<void> {
  const { ops } = env;
  const req = call.request;
  const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
  const queue = req.messageQueue as { topic: V2Resource; broker?: { name?: string } };
  const gateway = await env.gatewayOr(queue.broker?.name);
  if ('code' in gateway) {
    call.write({ status: gateway });
    call.end();
    return;
  }
  const brokerName = gateway.brokerName;
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
  const r = await gateway.popMessage({
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
        st.code === Code.MESSAGE_NOT_FOUND ? status(Code.MESSAGE_NOT_FOUND, 'no new message') : st,
    });
    call.end();
    return;
  }
  call.write({ status: OK });
  for (const m of r.messages) {
    const start = r.startOffsets.get(m.queueId) ?? m.queueOffset;
    const record = decodeRecord(m.record);
    // RocketMQ's extraInfo, and the CommitLog offset after it as the proxy's handles have it.
    const handle = `${start} ${r.popTime} ${r.invisibleTime} ${r.reviveQid} 0 ${brokerName} ${m.queueId} ${m.queueOffset} ${record.commitLogOffset}`;
    call.write({
      message: toV2Message(record, {
        namespace: ctx.namespace,
        receiptHandle: handle,
        invisibleMs: r.invisibleTime,
      }),
    });
  }
  call.write({ deliveryTimestamp: fromMillis(Date.now()) });
  call.end();
}

/** PullMessage: a read of one queue from an offset, written as status, messages, next offset. */
async function pull(env: RpcEnv, call: ServerWritableStream<Req, Res>, ctx: Ctx): Promise<void> {
  const req = call.request;
  const q = req.messageQueue as { topic: V2Resource; id: number; broker?: { name?: string } };
  const filter = req.filterExpression as { type?: string; expression?: string } | undefined;
  const gateway = await env.gatewayOr(q.broker?.name);
  if ('code' in gateway) {
    call.write({ status: gateway });
    call.end();
    return;
  }
  const r = await gateway.pullMessage({
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

function invalidHandle(handle: string): Status {
  return status(
    Code.INVALID_RECEIPT_HANDLE,
    `the receipt handle "${handle.slice(0, 80)}" is malformed`,
  );
}

interface ReceiptHandle {
  popTime: number;
  brokerName: string;
  queueId: number;
  offset: number;
  /** -1 in handles from before it was added. */
  commitLogOffset: number;
}

/**
 * The receipt handle: RocketMQ's extraInfo, "ckOffset popTime invisibleTime reviveQid retry
 * brokerName queueId queueOffset", then the message's CommitLog offset (as the proxy's handles).
 */
function parseReceiptHandle(handle: string): ReceiptHandle | undefined {
  const f = handle.split(' ');
  if (f.length < 8) return undefined;
  const popTime = Number(f[1]);
  const queueId = Number(f[6]);
  const offset = Number(f[7]);
  const commitLogOffset = f[8] === undefined ? -1 : Number(f[8]);
  return Number.isSafeInteger(popTime) &&
    Number.isInteger(queueId) &&
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(commitLogOffset)
    ? { popTime, brokerName: f[5] ?? '', queueId, offset, commitLogOffset }
    : undefined;
}

/** What an ack names: the pop's extraInfo is the handle's first eight fields. */
function poppedRef(group: string, topic: string, handle: string, h: ReceiptHandle): PoppedRef {
  return {
    group,
    topic,
    queueId: h.queueId,
    queueOffset: h.offset,
    popTime: h.popTime,
    extraInfo: handle.split(' ').slice(0, 8).join(' '),
  };
}
