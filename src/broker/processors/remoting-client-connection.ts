import { encodeResetOffsetBody } from '../../common/protocol-data/reset-offset-body.ts';
import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import type { RemotingConnection } from '../../remoting/transport/remoting-connection.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import type {
  ClientAnswer,
  ClientConnection,
  ClientQuestion,
  ReplyPush,
  ResetQueue,
  TransactionCheck,
} from '../managers/client-connection.ts';

/** A Remoting client's connection as the core sees it: its notices are one-way requests. */
class RemotingClientConnection implements ClientConnection {
  readonly protocol = 'remoting';

  constructor(
    private readonly conn: RemotingConnection,
    private readonly brokerName: string,
  ) {}

  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  onClosed(listener: () => void): () => void {
    return this.conn.onClosed(listener);
  }

  close(): void {
    this.conn.close();
  }

  notifyConsumerIdsChanged(group: string): void {
    this.conn.oneway(
      createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, 0, { consumerGroup: group }),
    );
  }

  notifyOffsetReset(
    group: string,
    topic: string,
    timestamp: number,
    force: boolean,
    queues: readonly ResetQueue[],
  ): void {
    const body = encodeResetOffsetBody(
      queues.map((q) => ({
        messageQueue: { topic, brokerName: this.brokerName, queueId: q.queueId },
        offset: q.offset,
      })),
    );
    this.conn.oneway(
      createRequest(
        RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
        0,
        { topic, group, timestamp: String(timestamp), isForce: String(force) },
        body,
      ),
    );
  }

  async pushReply(r: ReplyPush, timeoutMs: number): Promise<ClientAnswer> {
    const req = createRequest(
      RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT,
      0,
      {
        producerGroup: r.producerGroup,
        topic: r.topic,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: '4',
        queueId: String(r.queueId),
        sysFlag: String(r.sysFlag),
        bornTimestamp: String(r.bornTimestamp),
        flag: String(r.flag),
        properties: r.properties,
        reconsumeTimes: String(r.reconsumeTimes),
        unitMode: 'false',
        bornHost: r.bornHost,
        storeHost: r.storeHost,
        storeTimestamp: String(r.storeTimestamp),
      },
      r.body,
    );
    try {
      const res = await this.conn.request(req, timeoutMs);
      return res.code === ResponseCode.SUCCESS
        ? { ok: true }
        : { ok: false, remark: res.remark ?? `the client answered code ${res.code}` };
    } catch (err) {
      return { ok: false, remark: `the client did not answer: ${(err as Error).message}` };
    }
  }

  async ask(q: ClientQuestion, timeoutMs: number): Promise<ClientAnswer> {
    const req =
      q.kind === 'runningInfo'
        ? createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, 0, {
            consumerGroup: q.group,
            clientId: q.clientId,
            jstackEnable: String(q.jstack),
          })
        : createRequest(
            RequestCode.CONSUME_MESSAGE_DIRECTLY,
            0,
            {
              consumerGroup: q.group,
              clientId: q.clientId,
              msgId: q.msgId,
              brokerName: this.brokerName,
            },
            q.record,
          );
    try {
      const res = await this.conn.request(req, timeoutMs);
      return res.code === ResponseCode.SUCCESS
        ? { ok: true, body: res.body }
        : { ok: false, remark: res.remark ?? `the client answered code ${res.code}` };
    } catch (err) {
      return { ok: false, remark: `the client did not answer: ${(err as Error).message}` };
    }
  }

  checkTransactionState(check: TransactionCheck): void {
    this.conn.oneway(
      createRequest(
        RequestCode.CHECK_TRANSACTION_STATE,
        0,
        {
          tranStateTableOffset: String(check.tranStateTableOffset),
          commitLogOffset: String(check.commitLogOffset),
          msgId: check.msgId,
          transactionId: check.msgId,
          offsetMsgId: check.offsetMsgId,
        },
        check.half,
      ),
    );
  }
}

/** One ClientConnection per Remoting connection (the managers key clients by it). */
export function remotingClientConnections(
  brokerName: string,
): (conn: RemotingConnection) => ClientConnection {
  const wrapped = new WeakMap<RemotingConnection, ClientConnection>();
  return (conn) => {
    let c = wrapped.get(conn);
    if (!c) {
      c = new RemotingClientConnection(conn, brokerName);
      wrapped.set(conn, c);
    }
    return c;
  };
}
