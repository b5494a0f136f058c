import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { HeartbeatData, SubscriptionData } from '../../common/protocol-data/heartbeat-data.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';
import { parseJsonBody } from './json-body.ts';
import { remotingClientConnections } from './remoting-client-connection.ts';

/** HEART_BEAT, UNREGISTER_CLIENT, CHECK_CLIENT_CONFIG and GET_CONSUMER_LIST_BY_GROUP. */
export function registerClientManageProcessor(server: RemotingServer, ops: BrokerOperations): void {
  const clientOf = remotingClientConnections(ops.limits.brokerName);
  server.registerProcessor(RequestCode.HEART_BEAT, (req, conn) => {
    const parsed = parseJsonBody<HeartbeatData>(req, 'heartbeat body');
    if ('error' in parsed) return parsed.error;
    const r = ops.clients.heartbeat(parsed.value, clientOf(conn), req.language, req.version);
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

  server.registerProcessor(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (req) => {
    const r = ops.clients.consumerIds(new ExtFields(req.extFields).string('consumerGroup'));
    if (!r.ids) return createResponse(req, responseCodeOf(r.status), r.remark);
    return jsonResponse(req, { consumerIdList: r.ids });
  });
}
