/** What a transaction check-back asks a producer about one half message. */
export interface TransactionCheck {
  /** The half message as stored (re-appended with its check count). */
  half: Buffer;
  /** The topic the message goes to once committed. */
  realTopic: string;
  commitLogOffset: number;
  tranStateTableOffset: number;
  /** The producer's message id (UNIQ_KEY). */
  msgId: string;
  /** The offset message id: what a gRPC EndTransaction names the transaction by. */
  offsetMsgId: string;
}

/** A queue whose offset an admin reset moved. */
export interface ResetQueue {
  queueId: number;
  offset: number;
}

/**
 * An admin question relayed to a consumer: its running info (mqadmin consumerStatus), or to
 * consume one stored message now (mqadmin consumeMessage / queryMsgById -d).
 */
export type ClientQuestion =
  | { kind: 'runningInfo'; group: string; clientId: string; jstack: boolean }
  | { kind: 'consumeDirectly'; group: string; clientId: string; msgId: string; record: Buffer };

/** A reply on its way to the client that sent the request (PUSH_REPLY_MESSAGE_TO_CLIENT). */
export interface ReplyPush {
  producerGroup: string;
  topic: string;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  /** The reply's properties string, ARRIVE_TIME set. */
  properties: string;
  reconsumeTimes: number;
  /** "ip:port" of the replying client, and of this broker. */
  bornHost: string;
  storeHost: string;
  storeTimestamp: number;
  body: Buffer;
}

/** The client's answer: ok with its body, or its refusal. */
export interface ClientAnswer {
  ok: boolean;
  remark?: string | undefined;
  body?: Buffer | undefined;
}

/**
 * A client's connection as the broker core sees it, whichever protocol it speaks: the managers
 * register producers and consumers by it, and the core reaches clients only through it.
 */
export interface ClientConnection {
  readonly protocol: 'remoting' | 'grpc';
  /** host:port of the client. */
  readonly remoteAddress: string;
  /** Calls `listener` once the connection closes; returns a function that unregisters it. */
  onClosed(listener: () => void): () => void;
  close(): void;
  /** The consumer group's membership changed: a Remoting consumer rebalances now. */
  notifyConsumerIdsChanged(group: string): void;
  /** An admin reset moved the group's offsets on a topic: a consumer continues from there. */
  notifyOffsetReset(
    group: string,
    topic: string,
    timestamp: number,
    force: boolean,
    queues: readonly ResetQueue[],
  ): void;
  /** A half message needs its producer's verdict (answered with an end-transaction request). */
  checkTransactionState(check: TransactionCheck): void;
  /** Pushes a reply to the client that is waiting for it (its request/reply future). */
  pushReply(reply: ReplyPush, timeoutMs: number): Promise<ClientAnswer>;
  /** Relays an admin question to the client and resolves with its answer. */
  ask(question: ClientQuestion, timeoutMs: number): Promise<ClientAnswer>;
}
