import { MessageConst } from '../../common/message/message-const.ts';
import { decodeProperties, encodeProperties } from '../../common/message/message-properties.ts';
import { decodeSocketAddress } from '../../common/message/socket-address.ts';
import { tagsHashCode } from '../../common/message/java-hash.ts';
import type { ReplyPush } from '../managers/client-connection.ts';
import type { CoreDeps } from './core-deps.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';
import type { SendInput, SendOutcome } from './send-operations.ts';
import { putStatusOf } from './store-status.ts';

/** How long a pushed reply waits for the requester to take it (RocketMQ's callClient: 3 s). */
const PUSH_TIMEOUT_MS = 3000;

/** The reply topic of a cluster: where consumers send replies (MixAll.getReplyTopic). */
export const replyTopic = (cluster: string): string => `${cluster}_REPLY_TOPIC`;

/**
 * Request/reply (SEND_REPLY_MESSAGE, SEND_REPLY_MESSAGE_V2): a consumer's reply is pushed straight
 * to the producer that sent the request (REPLY_TO_CLIENT), then stored in the reply topic when
 * storeReplyMessageEnable. The answer says whether the push reached the requester.
 */
export class ReplyOperations {
  constructor(private readonly d: CoreDeps) {}

  async sendReply(input: SendInput): Promise<SendOutcome> {
    const props = decodeProperties(input.propertiesString);
    const requester = props.get(MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT);
    const tc = this.d.topics.get(input.topic);
    if (!tc)
      return fail(
        OperationStatus.TOPIC_NOT_EXIST,
        `topic[${input.topic}] not exist, apply first please!`,
      );
    const queueId =
      input.queueId >= 0 ? input.queueId : Math.floor(Math.random() * tc.writeQueueNums);
    const pushed = requester
      ? await this.push(requester, input, queueId, props)
      : fail(
          OperationStatus.SYSTEM_ERROR,
          `reply message properties[${MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT}] is null`,
        );
    const out: SendOutcome = { ...pushed, msgId: '0', queueId, queueOffset: 0 };
    if (!this.d.config.storeReplyMessageEnable) return out;
    const result = await this.d.store.putMessage({
      topic: input.topic,
      queueId,
      flag: input.flag,
      body: input.body,
      propertiesString: input.propertiesString,
      tagsCode: tagsHashCode(props.get(MessageConst.PROPERTY_TAGS)),
      sysFlag: input.sysFlag,
      bornTimestamp: input.bornTimestamp,
      bornHost: input.bornHost,
      storeHost: this.d.storeHost,
      reconsumeTimes: input.reconsumeTimes,
      preparedTransactionOffset: 0,
      keys: props.get(MessageConst.PROPERTY_KEYS),
      uniqKey: props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
    });
    const append = result.appendResult;
    if (putStatusOf(result.status) === OperationStatus.SUCCESS && append) {
      out.msgId = append.msgIds[0] ?? '0';
      out.queueOffset = append.logicsOffset;
    }
    return out;
  }

  private async push(
    requester: string,
    input: SendInput,
    queueId: number,
    props: Map<string, string>,
  ): Promise<Outcome> {
    const channel = this.d.producers.findChannel(requester);
    if (!channel)
      return fail(
        OperationStatus.SYSTEM_ERROR,
        `push reply message fail, channel of <${requester}> not found.`,
      );
    const withArrival = new Map(props).set(
      MessageConst.PROPERTY_PUSH_REPLY_TIME,
      String(Date.now()),
    );
    const reply: ReplyPush = {
      producerGroup: input.producerGroup,
      topic: input.topic,
      queueId,
      sysFlag: input.sysFlag,
      bornTimestamp: input.bornTimestamp,
      flag: input.flag,
      properties: encodeProperties(withArrival),
      reconsumeTimes: input.reconsumeTimes,
      bornHost: hostPort(input.bornHost),
      storeHost: hostPort(this.d.storeHost),
      storeTimestamp: Date.now(),
      body: input.body,
    };
    const answer = await channel.connection.pushReply(reply, PUSH_TIMEOUT_MS);
    if (answer.ok) return { status: OperationStatus.SUCCESS };
    this.d.logger.warn({ requester, remark: answer.remark }, 'Reply push failed');
    return fail(OperationStatus.SYSTEM_ERROR, `push reply message to ${requester} fail.`);
  }
}

function hostPort(address: Uint8Array): string {
  const { host, port } = decodeSocketAddress(address);
  return `${host}:${port}`;
}
