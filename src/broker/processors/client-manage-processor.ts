import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { decodeOffsetMessageId } from '../../common/message/message-id.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { HeartbeatData, SubscriptionData } from '../../common/protocol-data/heartbeat-data.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';
import { parseJsonBody } from './json-body.ts';
import { remotingClientConnections } from './remoting-client-connection.ts';

/**
 * HEART_BEAT, UNREGISTER_CLIENT, CHECK_CLIENT_CONFIG, GET_CONSUMER_LIST_BY_GROUP, and the admin
 * questions relayed to a consumer (GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY).
 */
export function registerClientManageProcessor(server: RemotingServer, ops: BrokerOperations): void {
  const clientOf = remotingClientConnections(ops.limits.brokerName);
  server.registerProcessor(RequestCode.HEART_BEAT, async (req, conn) => {
    const parsed = parseJsonBody<HeartbeatData>(req, 'heartbeat body');
    if ('error' in parsed) return parsed.error;
    const r = ops.clients.heartbeat(parsed.value, clientOf(conn), req.language, req.version);
    await r.registered;
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.UNREGISTER_CLIENT, (req) => {
    const h = new ExtFields(req.extFields);
    const r = ops.clients.unregister(
      h.string('clientID'),
      h.optString('producerGroup'),
      h.optString('consumerGroup'),
    );
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.CHECK_CLIENT_CONFIG, (req) => {
    const parsed = parseJsonBody<{ subscriptionData?: SubscriptionData }>(req, 'check body');
    if ('error' in parsed) return parsed.error;
    const r = ops.clients.checkSubscription(parsed.value.subscriptionData);
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  // Admin questions relayed to a consumer (mqadmin consumerStatus, consumeMessage).
  server.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, async (req) => {
    const h = new ExtFields(req.extFields);
    const r = await ops.clients.askConsumer({
      kind: 'runningInfo',
      group: h.string('consumerGroup'),
      clientId: h.string('clientId'),
      jstack: h.optBool('jstackEnable', false),
    });
    return createResponse(req, responseCodeOf(r.status), r.remark, undefined, r.body);
  });

  server.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, async (req) => {
    const h = new ExtFields(req.extFields);
    const msgId = h.string('msgId');
    let offset: number;
    try {
      offset = decodeOffsetMessageId(msgId).commitLogOffset;
    } catch (err) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, (err as Error).message);
    }
    const found = ops.query.viewMessage(offset);
    if (!found.record) return createResponse(req, responseCodeOf(found.status), found.remark);
    const r = await ops.clients.askConsumer({
      kind: 'consumeDirectly',
      group: h.string('consumerGroup'),
      clientId: h.string('clientId'),
      msgId,
      record: found.record,
    });
    return createResponse(req, responseCodeOf(r.status), r.remark, undefined, r.body);
  });

  server.registerProcessor(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (req) => {
    const r = ops.clients.consumerIds(new ExtFields(req.extFields).string('consumerGroup'));
    if (!r.ids) return createResponse(req, responseCodeOf(r.status), r.remark);
    return jsonResponse(req, { consumerIdList: r.ids });
  });
}
