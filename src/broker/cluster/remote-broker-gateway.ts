import { RmqError } from '../../common/errors/rmq-error.ts';
import { readLong, RecordOffset, recordLayout } from '../../common/message/message-ext-codec.ts';
import { parseJavaJson } from '../../common/protocol-data/java-json.ts';
import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import { PullSysFlag } from '../../remoting/protocol/pull-sys-flag.ts';
import { createRequest, type RemotingCommand } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import type { RemotingClient } from '../../remoting/transport/remoting-client.ts';
import type {
  BrokerGateway,
  EndTransactionInput,
  PoppedRef,
  QueueOffsetAt,
} from '../operations/broker-gateway.ts';
import { fail, OperationStatus, succeeded, type Outcome } from '../operations/outcome.ts';
import type { PopInput, PopOutcome } from '../operations/pop-operations.ts';
import type { PullInput, PullOutcome } from '../operations/pull-operations.ts';
import type { SendInput, SendOutcome } from '../operations/send-operations.ts';
import { outcomeOf } from './outcome-of-response.ts';

/** Headroom over a long poll's own wait before a forwarded pop or pull times out. */
const POLL_HEADROOM_MS = 3000;

/**
 * Another broker of the cluster, reached over Remoting: each request of the gateway forwarded as
 * the Remoting request RocketMQ's proxy sends in cluster mode, its answer read back into the
 * core's outcomes. A broker that cannot be reached is SERVICE_NOT_AVAILABLE, naming it.
 */
export class RemoteBrokerGateway implements BrokerGateway {
  constructor(
    private readonly client: RemotingClient,
    readonly brokerName: string,
    readonly addr: string,
    private readonly timeoutMs: number,
  ) {}

  private async call(
    code: number,
    header: Record<string, string>,
    body?: Buffer,
    timeoutMs = this.timeoutMs,
  ): Promise<RemotingCommand | (Outcome & { unsent?: boolean })> {
    try {
      return await this.client.invoke(this.addr, createRequest(code, 0, header, body), timeoutMs);
    } catch (err) {
      const refused = fail(
        OperationStatus.SERVICE_NOT_AVAILABLE,
        `broker ${this.brokerName} at ${this.addr} did not answer: ${(err as Error).message}`,
      );
      // No connection: the request was never written, so it cannot have been carried out.
      return err instanceof RmqError && err.code === 'REMOTING_CONNECT_FAILED'
        ? { ...refused, unsent: true }
        : refused;
    }
  }

  async sendMessage(input: SendInput): Promise<SendOutcome> {
    // SEND_MESSAGE_V2's one-letter header names.
    const res = await this.call(
      RequestCode.SEND_MESSAGE_V2,
      {
        a: input.producerGroup,
        b: input.topic,
        c: 'TBW102',
        d: String(input.defaultTopicQueueNums),
        e: String(input.queueId),
        f: String(input.sysFlag),
        g: String(input.bornTimestamp),
        h: String(input.flag),
        i: input.propertiesString,
        j: String(input.reconsumeTimes),
        k: 'false',
        m: String(input.batch),
        n: this.brokerName,
      },
      input.body,
    );
    if (!isResponse(res)) return res;
    const out: SendOutcome = outcomeOf(res, this.brokerName);
    const h = res.extFields ?? {};
    if (h.msgId !== undefined) {
      out.msgId = h.msgId;
      out.queueId = Number(h.queueId);
      out.queueOffset = Number(h.queueOffset);
      if (h.transactionId) out.transactionId = h.transactionId;
    }
    return out;
  }

  async popMessage(input: PopInput): Promise<PopOutcome> {
    const res = await this.call(
      RequestCode.POP_MESSAGE,
      {
        consumerGroup: input.group,
        topic: input.topic,
        queueId: String(input.queueId),
        maxMsgNums: String(input.maxMsgNums),
        invisibleTime: String(input.invisibleTime),
        pollTime: String(input.pollTime),
        bornTime: String(Date.now()),
        initMode: String(input.initMode),
        expType: input.expressionType ?? 'TAG',
        exp: input.expression ?? '*',
        order: String(input.order),
      },
      undefined,
      input.pollTime + POLL_HEADROOM_MS,
    );
    const empty = {
      popTime: 0,
      invisibleTime: input.invisibleTime,
      reviveQid: 0,
      restNum: 0,
      messages: [],
      startOffsets: new Map<number, number>(),
    };
    if (!isResponse(res)) return { ...res, ...empty };
    const h = res.extFields ?? {};
    const out: PopOutcome = {
      ...outcomeOf(res, this.brokerName),
      ...empty,
      popTime: Number(h.popTime ?? 0),
      invisibleTime: Number(h.invisibleTime ?? input.invisibleTime),
      reviveQid: Number(h.reviveQid ?? 0),
      restNum: Number(h.restNum ?? 0),
    };
    // "retry queueId startOffset;..." -> queue id -> the first offset this pop handed out.
    for (const entry of (h.startOffsetInfo ?? '').split(';')) {
      const [, q, start] = entry.split(' ');
      if (q !== undefined && start !== undefined) out.startOffsets.set(Number(q), Number(start));
    }
    const body = res.body;
    if (succeeded(out) && body) {
      for (let p = 0; p + 4 <= body.length;) {
        const size = body.readInt32BE(p);
        if (size <= 0) break;
        // The fields a pop names, read in place; the record itself is passed on as it came.
        const layout = recordLayout(body.readInt32BE(p + RecordOffset.SYSFLAG));
        out.messages.push({
          queueId: body.readInt32BE(p + RecordOffset.QUEUEID),
          queueOffset: readLong(body, p + RecordOffset.QUEUEOFFSET),
          record: body.subarray(p, p + size),
          attempt: body.readInt32BE(p + layout.reconsumeTimes) + 1,
        });
        p += size;
      }
    }
    return out;
  }

  private async simple(code: number, header: Record<string, string>): Promise<Outcome> {
    const res = await this.call(code, header);
    return isResponse(res) ? outcomeOf(res, this.brokerName) : res;
  }

  ackMessage(r: PoppedRef): Promise<Outcome> {
    return this.simple(RequestCode.ACK_MESSAGE, {
      consumerGroup: r.group,
      topic: r.topic,
      queueId: String(r.queueId),
      extraInfo: r.extraInfo,
      offset: String(r.queueOffset),
    });
  }

  async changeInvisibleTime(
    r: PoppedRef,
    invisibleTime: number,
  ): Promise<Outcome & { popTime?: number }> {
    const res = await this.call(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, {
      consumerGroup: r.group,
      topic: r.topic,
      queueId: String(r.queueId),
      extraInfo: r.extraInfo,
      offset: String(r.queueOffset),
      invisibleTime: String(invisibleTime),
    });
    if (!isResponse(res)) return res;
    const out: Outcome & { popTime?: number } = outcomeOf(res, this.brokerName);
    if (succeeded(out)) out.popTime = Number(res.extFields?.popTime ?? r.popTime);
    return out;
  }

  /** As RocketMQ's proxy: a send-back to the DLQ (delay level -1), then the ack. */
  async forwardToDeadLetterQueue(
    r: PoppedRef & { commitLogOffset: number; msgId: string },
  ): Promise<Outcome> {
    const back = await this.simple(RequestCode.CONSUMER_SEND_MSG_BACK, {
      group: r.group,
      offset: String(r.commitLogOffset),
      delayLevel: '-1',
      originMsgId: r.msgId,
      originTopic: r.topic,
      unitMode: 'false',
      maxReconsumeTimes: '0',
    });
    return succeeded(back) ? this.ackMessage(r) : back;
  }

  async endTransaction(e: EndTransactionInput): Promise<Outcome> {
    const r = await this.simple(RequestCode.END_TRANSACTION, {
      producerGroup: e.producerGroup,
      tranStateTableOffset: String(e.tranStateTableOffset),
      commitLogOffset: String(e.commitLogOffset),
      commitOrRollback: String(e.commitOrRollback),
      fromTransactionCheck: String(e.fromTransactionCheck),
      msgId: e.msgId,
      transactionId: e.msgId,
    });
    // RocketMQ's broker answers a half message it does not have with SYSTEM_ERROR.
    return r.status === OperationStatus.SYSTEM_ERROR
      ? { ...r, status: OperationStatus.ILLEGAL_TRANSACTION }
      : r;
  }

  async recallMessage(
    topic: string,
    recallHandle: string,
  ): Promise<Outcome & { messageId?: string }> {
    const res = await this.call(RequestCode.RECALL_MESSAGE, { topic, recallHandle });
    if (!isResponse(res)) return res;
    const out: Outcome & { messageId?: string } = outcomeOf(res, this.brokerName);
    if (res.extFields?.msgId) out.messageId = res.extFields.msgId;
    return out;
  }

  async pullMessage(input: PullInput): Promise<PullOutcome> {
    const suspend = input.suspendTimeoutMillis > 0;
    const res = await this.call(
      RequestCode.PULL_MESSAGE,
      {
        consumerGroup: input.group,
        topic: input.topic,
        queueId: String(input.queueId),
        queueOffset: String(input.queueOffset),
        maxMsgNums: String(input.maxMsgNums),
        sysFlag: String(PullSysFlag.SUBSCRIPTION | (suspend ? PullSysFlag.SUSPEND : 0)),
        commitOffset: '0',
        suspendTimeoutMillis: String(input.suspendTimeoutMillis),
        subscription: input.subscription ?? '*',
        subVersion: '0',
        expressionType: input.expressionType ?? 'TAG',
      },
      undefined,
      input.suspendTimeoutMillis + POLL_HEADROOM_MS,
    );
    if (!isResponse(res))
      return {
        ...res,
        nextBeginOffset: input.queueOffset,
        minOffset: 0,
        maxOffset: 0,
        messageCount: 0,
      };
    const h = res.extFields ?? {};
    const out: PullOutcome = {
      ...outcomeOf(res, this.brokerName),
      nextBeginOffset: Number(h.nextBeginOffset ?? input.queueOffset),
      minOffset: Number(h.minOffset ?? 0),
      maxOffset: Number(h.maxOffset ?? 0),
      messageCount: 0,
    };
    if (res.body && res.code === ResponseCode.SUCCESS) {
      out.body = res.body;
      for (let p = 0; p + 4 <= res.body.length; out.messageCount++) {
        const size = res.body.readInt32BE(p);
        if (size <= 0) break;
        p += size;
      }
    }
    return out;
  }

  commitConsumerOffset(
    group: string,
    topic: string,
    queueId: number,
    offset: number,
  ): Promise<Outcome> {
    return this.simple(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
      commitOffset: String(offset),
    });
  }

  async queryConsumerOffset(
    group: string,
    topic: string,
    queueId: number,
  ): Promise<Outcome & { offset?: number }> {
    const res = await this.call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
    });
    if (!isResponse(res)) return res;
    const out: Outcome & { offset?: number } = outcomeOf(res, this.brokerName);
    if (succeeded(out)) out.offset = Number(res.extFields?.offset ?? 0);
    return out;
  }

  async queueOffset(topic: string, queueId: number, at: QueueOffsetAt): Promise<number> {
    const res = await this.call(
      at === 'min'
        ? RequestCode.GET_MIN_OFFSET
        : at === 'max'
          ? RequestCode.GET_MAX_OFFSET
          : RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
      {
        topic,
        queueId: String(queueId),
        ...(typeof at === 'object' ? { timestamp: String(at.timestamp) } : {}),
      },
    );
    if (!isResponse(res)) throw new Error(res.remark);
    const out = outcomeOf(res, this.brokerName);
    if (!succeeded(out)) throw new Error(out.remark);
    return Number(res.extFields?.offset ?? 0);
  }

  async topicConfig(topic: string): Promise<TopicConfig | undefined> {
    const res = await this.call(RequestCode.GET_TOPIC_CONFIG, { topic });
    if (!isResponse(res) || res.code !== ResponseCode.SUCCESS || !res.body) return undefined;
    const parsed = parseJavaJson(res.body.toString('utf8')) as Partial<TopicConfig>;
    return typeof parsed.topicName === 'string'
      ? ({ attributes: {}, ...parsed } as TopicConfig)
      : undefined;
  }
}

function isResponse(r: RemotingCommand | Outcome): r is RemotingCommand {
  return 'code' in r;
}
