import { encodeSocketAddress } from '../../common/message/socket-address.ts';
import { createResponse, type RemotingCommand } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingConnection } from '../../remoting/transport/remoting-connection.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';
import { BROKER_REGION } from '../operations/send-operations.ts';

/** SEND_MESSAGE_V2 shortens the SEND_MESSAGE header names to single letters. */
const V2_ALIASES: Readonly<Record<string, string>> = {
  producerGroup: 'a',
  topic: 'b',
  defaultTopic: 'c',
  defaultTopicQueueNums: 'd',
  queueId: 'e',
  sysFlag: 'f',
  bornTimestamp: 'g',
  flag: 'h',
  properties: 'i',
  reconsumeTimes: 'j',
  unitMode: 'k',
  maxReconsumeTimes: 'l',
  batch: 'm',
  brokerName: 'n',
};

/** SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE (as Java clients send it) use the short names. */
function sendHeader(req: RemotingCommand): ExtFields {
  const ext = req.extFields ?? {};
  const short =
    req.code === RequestCode.SEND_MESSAGE_V2 ||
    req.code === RequestCode.SEND_REPLY_MESSAGE_V2 ||
    (req.code === RequestCode.SEND_BATCH_MESSAGE && 'b' in ext && !('topic' in ext));
  return new ExtFields(req.extFields, short ? V2_ALIASES : undefined);
}

/** SEND_MESSAGE, SEND_MESSAGE_V2, SEND_BATCH_MESSAGE, SEND_REPLY_MESSAGE(_V2), CONSUMER_SEND_MSG_BACK and RECALL_MESSAGE. */
export function registerSendMessageProcessor(server: RemotingServer, ops: BrokerOperations): void {
  const bornHosts = new WeakMap<RemotingConnection, Buffer>();
  const bornHostOf = (conn: RemotingConnection): Buffer => {
    let host = bornHosts.get(conn);
    if (!host) {
      host = encodeSocketAddress(conn.remoteHost, conn.remotePort);
      bornHosts.set(conn, host);
    }
    return host;
  };

  server.registerProcessor(
    [RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE],
    async (req, conn) => {
      const h = sendHeader(req);
      const batch = req.code === RequestCode.SEND_BATCH_MESSAGE || h.optBool('batch', false);
      const r = await ops.send.sendMessage({
        producerGroup: h.optString('producerGroup') ?? '',
        topic: h.string('topic'),
        defaultTopicQueueNums: h.optInt('defaultTopicQueueNums', 0),
        queueId: h.optInt('queueId', -1),
        sysFlag: h.optInt('sysFlag', 0),
        bornTimestamp: h.optInt('bornTimestamp', Date.now()),
        flag: h.optInt('flag', 0),
        propertiesString: h.optString('properties') ?? '',
        reconsumeTimes: h.optInt('reconsumeTimes', 0),
        maxReconsumeTimes:
          h.optInt('maxReconsumeTimes', -1) >= 0 ? h.optInt('maxReconsumeTimes', -1) : undefined,
        body: req.body ?? Buffer.alloc(0),
        bornHost: bornHostOf(conn),
        batch,
      });
      if (r.msgId === undefined) return createResponse(req, responseCodeOf(r.status), r.remark);
      const ext: Record<string, string> = {
        msgId: r.msgId,
        queueId: String(r.queueId),
        queueOffset: String(r.queueOffset),
        MSG_REGION: BROKER_REGION,
        TRACE_ON: 'true',
      };
      if (r.transactionId) ext.transactionId = r.transactionId;
      return createResponse(req, responseCodeOf(r.status), r.remark, ext);
    },
  );

  // Request/reply: a consumer's reply, pushed to the requester (and stored when configured).
  server.registerProcessor(
    [RequestCode.SEND_REPLY_MESSAGE, RequestCode.SEND_REPLY_MESSAGE_V2],
    async (req, conn) => {
      const h = sendHeader(req);
      const r = await ops.reply.sendReply({
        producerGroup: h.optString('producerGroup') ?? '',
        topic: h.string('topic'),
        defaultTopicQueueNums: h.optInt('defaultTopicQueueNums', 0),
        queueId: h.optInt('queueId', -1),
        sysFlag: h.optInt('sysFlag', 0),
        bornTimestamp: h.optInt('bornTimestamp', Date.now()),
        flag: h.optInt('flag', 0),
        propertiesString: h.optString('properties') ?? '',
        reconsumeTimes: h.optInt('reconsumeTimes', 0),
        body: req.body ?? Buffer.alloc(0),
        bornHost: bornHostOf(conn),
        batch: false,
      });
      return createResponse(req, responseCodeOf(r.status), r.remark, {
        msgId: r.msgId ?? '0',
        queueId: String(r.queueId ?? 0),
        queueOffset: String(r.queueOffset ?? 0),
        MSG_REGION: BROKER_REGION,
        TRACE_ON: 'true',
      });
    },
  );

  server.registerProcessor(RequestCode.CONSUMER_SEND_MSG_BACK, async (req) => {
    const h = new ExtFields(req.extFields);
    const maxTimes = h.optInt('maxReconsumeTimes', -1);
    const r = await ops.send.sendMessageBack({
      group: h.string('group'),
      offset: h.int('offset'),
      delayLevel: h.optInt('delayLevel', 0),
      originMsgId: h.optString('originMsgId'),
      maxReconsumeTimes: maxTimes >= 0 ? maxTimes : undefined,
    });
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  // RocketMQ 5.3's RECALL_MESSAGE: a timer message cancelled before it is due, by its handle.
  server.registerProcessor(RequestCode.RECALL_MESSAGE, (req) => {
    const h = new ExtFields(req.extFields);
    const r = ops.send.recallMessage(h.string('topic'), h.string('recallHandle'));
    return createResponse(
      req,
      responseCodeOf(r.status),
      r.remark,
      r.messageId ? { msgId: r.messageId } : undefined,
    );
  });
}
