import { createResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import { RETRY_GROUP_TOPIC_PREFIX } from '../../common/constants/topic-validator.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { responseCodeOf } from './response-code-of.ts';
import { succeeded } from '../operations/outcome.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';
import type { PopOutcome } from '../operations/pop-operations.ts';
import { joinRecords } from '../operations/pull-operations.ts';
import { parseJsonBody } from './json-body.ts';

/**
 * POP consumption over Remoting: POP_MESSAGE, ACK_MESSAGE, BATCH_ACK_MESSAGE and
 * CHANGE_MESSAGE_INVISIBLETIME. A receipt handle (`extraInfo`) is RocketMQ's
 * "ckOffset popTime invisibleTime reviveQid retry brokerName queueId queueOffset"; the broker
 * needs its popTime, the rest travels in the header.
 */
export function registerPopMessageProcessor(server: RemotingServer, ops: BrokerOperations): void {
  server.registerProcessor(RequestCode.POP_MESSAGE, async (req, conn) => {
    const h = new ExtFields(req.extFields);
    const topic = h.string('topic');
    const r = await ops.pop.popMessage({
      group: h.string('consumerGroup'),
      topic,
      queueId: h.optInt('queueId', -1),
      maxMsgNums: h.optInt('maxMsgNums', 32),
      invisibleTime: h.optInt('invisibleTime', 60000),
      pollTime: h.optInt('pollTime', 0),
      initMode: h.optInt('initMode', 0),
      expressionType: h.optString('expType'),
      expression: h.optString('exp'),
      order: h.optBool('order', false),
      onHold: (abort) => conn.onClosed(abort),
    });
    if (conn.closed) return undefined;
    const body =
      r.messages.length > 0
        ? joinRecords(
            r.messages.map((m) => m.record),
            r.messages.reduce((n, m) => n + m.record.length, 0),
          )
        : undefined;
    return createResponse(req, responseCodeOf(r.status), r.remark, popHeader(r, topic), body);
  });

  server.registerProcessor(RequestCode.ACK_MESSAGE, async (req) => {
    const h = new ExtFields(req.extFields);
    const popTime = handlePopTime(h.string('extraInfo'));
    if (popTime === undefined)
      return createResponse(req, ResponseCode.MESSAGE_ILLEGAL, badHandle(h.string('extraInfo')));
    const r = await ops.pop.ackMessage(
      h.string('consumerGroup'),
      h.string('topic'),
      h.int('queueId'),
      popTime,
      [h.int('offset')],
    );
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.BATCH_ACK_MESSAGE, async (req) => {
    const parsed = parseJsonBody<{ acks?: Record<string, unknown>[] }>(req, 'batch ack body');
    if ('error' in parsed) return parsed.error;
    for (const a of parsed.value.acks ?? []) {
      const group = text(a.c ?? a.consumerGroup);
      const topic = text(a.t ?? a.topic);
      const queueId = Number(a.q ?? a.queueId);
      const popTime = Number(a.pt ?? a.popTime);
      const start = Number(a.so ?? a.startOffset);
      const offsets = bitSetOffsets(a.b ?? a.bitSet, start);
      if (!group || !topic || !Number.isInteger(queueId) || !Number.isFinite(popTime) || !offsets)
        return createResponse(
          req,
          ResponseCode.MESSAGE_ILLEGAL,
          `a batch ack entry is malformed: ${JSON.stringify(a).slice(0, 200)}`,
        );
      const r = await ops.pop.ackMessage(group, topic, queueId, popTime, offsets);
      if (!succeeded(r)) return createResponse(req, responseCodeOf(r.status), r.remark);
    }
    return createResponse(req, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, async (req) => {
    const h = new ExtFields(req.extFields);
    const extraInfo = h.string('extraInfo');
    const popTime = handlePopTime(extraInfo);
    if (popTime === undefined)
      return createResponse(req, ResponseCode.MESSAGE_ILLEGAL, badHandle(extraInfo));
    const invisibleTime = h.int('invisibleTime');
    const r = await ops.pop.changeInvisibleTime(
      h.string('consumerGroup'),
      h.string('topic'),
      h.int('queueId'),
      popTime,
      h.int('offset'),
      invisibleTime,
    );
    return createResponse(
      req,
      responseCodeOf(r.status),
      r.remark,
      r.popTime === undefined
        ? undefined
        : {
            popTime: String(r.popTime),
            invisibleTime: String(invisibleTime),
            reviveQid: extraInfo.split(' ')[3] ?? '0',
          },
    );
  });
}

/** The response header: per queue the start offset, the offsets handed out and their counts. */
function popHeader(r: PopOutcome, topic: string): Record<string, string> {
  const retry = topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) ? '1' : '0';
  const header: Record<string, string> = {
    popTime: String(r.popTime),
    invisibleTime: String(r.invisibleTime),
    reviveQid: String(r.reviveQid),
    restNum: String(r.restNum),
  };
  if (r.messages.length === 0) return header;
  const byQueue = new Map<number, number[]>();
  const counts: string[] = [];
  for (const m of r.messages) {
    const list = byQueue.get(m.queueId) ?? [];
    list.push(m.queueOffset);
    byQueue.set(m.queueId, list);
    counts.push(`${retry} qo${m.queueId}%${m.queueOffset} ${m.attempt}`);
  }
  header.startOffsetInfo = [...r.startOffsets]
    .map(([q, start]) => `${retry} ${q} ${start}`)
    .join(';');
  header.msgOffsetInfo = [...byQueue]
    .map(([q, list]) => `${retry} ${q} ${list.join(',')}`)
    .join(';');
  header.orderCountInfo = counts.join(';');
  return header;
}

function handlePopTime(extraInfo: string): number | undefined {
  const popTime = Number(extraInfo.split(' ')[1]);
  return extraInfo.split(' ').length >= 7 && Number.isSafeInteger(popTime) ? popTime : undefined;
}

function badHandle(extraInfo: string): string {
  return `the receipt handle (extraInfo) "${extraInfo.slice(0, 120)}" is malformed: expected "ckOffset popTime invisibleTime reviveQid retry brokerName queueId [queueOffset]"`;
}

/** A BatchAck bit set: base64 of java.util.BitSet.toByteArray() (bit i = startOffset + i), or the bit indexes. */
function bitSetOffsets(bits: unknown, start: number): number[] | undefined {
  if (!Number.isSafeInteger(start)) return undefined;
  if (Array.isArray(bits)) return bits.map((i) => start + Number(i));
  if (typeof bits !== 'string') return undefined;
  const bytes = Buffer.from(bits, 'base64');
  const out: number[] = [];
  for (let i = 0; i < bytes.length * 8; i++)
    if (((bytes[i >> 3] as number) >> (i & 7)) & 1) out.push(start + i);
  return out;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
