import { createRequest, type RemotingCommand } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { decodeOffsetMessageId } from '../../common/message/message-id.ts';
import { MessageSysFlag } from '../../common/constants/message-sys-flag.ts';
import { MQClientError } from '../client-errors.ts';
import type { ClientInstance } from '../client-instance.ts';
import { decodeMessages, type Message, type MessageView } from '../message.ts';
import { DefaultProducer, type ProducerOptions, type SendResult } from './producer.ts';

/** A local transaction's outcome, with RocketMQ's spellings. */
export type LocalTransactionState = 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';

export interface TransactionListener {
  /** Runs the local transaction after the half message is stored; its result commits or rolls back. */
  executeLocalTransaction(
    message: Message,
    arg: unknown,
  ): Promise<LocalTransactionState> | LocalTransactionState;
  /** The broker asks again about a half message whose outcome it never got (any producer of the group may be asked). */
  checkLocalTransaction(
    message: MessageView,
  ): Promise<LocalTransactionState> | LocalTransactionState;
}

export interface TransactionProducerOptions extends ProducerOptions {
  transactionListener: TransactionListener;
}

export interface TransactionSendResult {
  sendResult: SendResult;
  localTransactionState: LocalTransactionState;
}

export interface TransactionProducer {
  start(): Promise<void>;
  /** Sends a half message, runs the local transaction, then commits or rolls back at the broker. */
  sendMessageInTransaction(message: Message, arg?: unknown): Promise<TransactionSendResult>;
  shutdown(): Promise<void>;
}

/** END_TRANSACTION's commitOrRollback: the MessageSysFlag transaction types. */
const OUTCOME: Record<LocalTransactionState, string> = {
  COMMIT_MESSAGE: String(MessageSysFlag.TRANSACTION_COMMIT_TYPE),
  ROLLBACK_MESSAGE: String(MessageSysFlag.TRANSACTION_ROLLBACK_TYPE),
  UNKNOW: String(MessageSysFlag.TRANSACTION_NOT_TYPE),
};

/** RocketMQ's TransactionMQProducer over the Remoting protocol. */
export class DefaultTransactionProducer implements TransactionProducer {
  private readonly client: ClientInstance;
  private readonly producer: DefaultProducer;
  private readonly options: TransactionProducerOptions;

  constructor(client: ClientInstance, options: TransactionProducerOptions, ownsClient: boolean) {
    if (!options.transactionListener)
      throw new MQClientError('ILLEGAL_ARGUMENT', 'transactionListener is required');
    this.client = client;
    this.options = options;
    this.producer = new DefaultProducer(client, options, ownsClient, {
      onCheckTransaction: (req, brokerAddr) => void this.check(req, brokerAddr),
    });
  }

  start(): Promise<void> {
    return this.producer.start();
  }

  shutdown(): Promise<void> {
    return this.producer.shutdown();
  }

  async sendMessageInTransaction(message: Message, arg?: unknown): Promise<TransactionSendResult> {
    const sendResult = await this.producer.send({
      ...message,
      properties: {
        ...(message.properties ?? {}),
        TRAN_MSG: 'true',
        PGROUP: this.options.producerGroup,
      },
    });
    let state: LocalTransactionState;
    try {
      state = await this.options.transactionListener.executeLocalTransaction(message, arg);
    } catch (err) {
      this.client.logger.warn(
        { err: (err as Error).message },
        'Local transaction failed; its outcome is left to the check-back',
      );
      state = 'UNKNOW';
    }
    const addr = this.client.masterAddr(sendResult.messageQueue.brokerName);
    if (addr) {
      await this.end(
        addr,
        {
          tranStateTableOffset: String(sendResult.queueOffset),
          commitLogOffset: String(decodeOffsetMessageId(sendResult.offsetMsgId).commitLogOffset),
          msgId: sendResult.msgId,
          transactionId: sendResult.transactionId ?? sendResult.msgId,
        },
        state,
        false,
      );
    }
    return { sendResult, localTransactionState: state };
  }

  private async check(req: RemotingCommand, brokerAddr: string): Promise<void> {
    const view = decodeMessages(req.body ?? Buffer.alloc(0), '')[0];
    if (!view) return;
    let state: LocalTransactionState;
    try {
      state = await this.options.transactionListener.checkLocalTransaction(view);
    } catch {
      state = 'UNKNOW';
    }
    const ext = req.extFields ?? {};
    await this.end(
      brokerAddr,
      {
        tranStateTableOffset: ext.tranStateTableOffset ?? '0',
        commitLogOffset: ext.commitLogOffset ?? '0',
        msgId: ext.msgId ?? view.msgId,
        transactionId: ext.transactionId ?? view.msgId,
      },
      state,
      true,
    );
  }

  private async end(
    addr: string,
    ids: Record<string, string>,
    state: LocalTransactionState,
    fromCheck: boolean,
  ): Promise<void> {
    await this.client.remoting
      .invokeOneway(
        addr,
        createRequest(RequestCode.END_TRANSACTION, 0, {
          producerGroup: this.options.producerGroup,
          ...ids,
          commitOrRollback: OUTCOME[state],
          fromTransactionCheck: String(fromCheck),
        }),
      )
      .catch((err: unknown) =>
        this.client.logger.warn(
          { err: (err as Error).message },
          'END_TRANSACTION failed; the broker will check back',
        ),
      );
  }
}
