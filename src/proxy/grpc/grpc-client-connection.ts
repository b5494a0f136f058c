import type { ServerDuplexStream } from '@grpc/grpc-js';
import type {
  ClientAnswer,
  ClientConnection,
  TransactionCheck,
} from '../../broker/operations/client-operations.ts';
import { decodeRecord } from '../../common/message/message-ext-codec.ts';
import { OK } from './grpc-status.ts';
import { toV2Message } from './message-mapping.ts';

/**
 * A gRPC client as the broker core sees it: its Telemetry stream. Transaction checks go down that
 * stream; membership and offset-reset notices need nothing, since v2 consumers ask for their
 * assignments and pop message by message.
 */
export class GrpcClientConnection implements ClientConnection {
  readonly protocol = 'grpc';
  private closed = false;
  private listeners: (() => void)[] = [];

  constructor(
    private readonly stream: ServerDuplexStream<Record<string, unknown>, Record<string, unknown>>,
    readonly remoteAddress: string,
  ) {}

  onClosed(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => undefined;
    }
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The stream ended or the client said it terminates: the core forgets the client. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners.splice(0)) l();
  }

  close(): void {
    if (!this.stream.writableEnded) this.stream.end();
    this.markClosed();
  }

  notifyConsumerIdsChanged(): void {
    // v2 consumers query their assignments; nothing to push.
  }

  notifyOffsetReset(): void {
    // POP consumers hold no client-side offsets; the reset applies at the broker.
  }

  /** gRPC has no request/reply: replies go to Remoting requesters only. */
  pushReply(): Promise<ClientAnswer> {
    return Promise.resolve({ ok: false, remark: 'gRPC clients do not take pushed replies' });
  }

  /** gRPC clients answer admin questions through Telemetry commands, which are not relayed yet. */
  ask(): Promise<ClientAnswer> {
    return Promise.resolve({
      ok: false,
      remark: 'admin questions to gRPC clients (running info, consume directly) are not supported',
    });
  }

  checkTransactionState(check: TransactionCheck): void {
    if (this.stream.writableEnded || this.stream.destroyed) return;
    const message = toV2Message(decodeRecord(check.half), {
      namespace: '',
      topic: check.realTopic,
    });
    this.stream.write({
      status: OK,
      recoverOrphanedTransactionCommand: { message, transactionId: check.offsetMsgId },
    });
  }
}
