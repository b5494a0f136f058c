import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { HeartbeatData } from '../../common/protocol-data/heartbeat-data.ts';
import type { BrokerService } from '../broker-service.ts';
import { parseJsonBody } from './json-body.ts';

/** HEART_BEAT, UNREGISTER_CLIENT and GET_CONSUMER_LIST_BY_GROUP. */
export function registerClientManageProcessor(
  server: RemotingServer,
  service: BrokerService,
): void {
  const { consumers, producers } = service.deps;

  server.registerProcessor(RequestCode.HEART_BEAT, (req, conn) => {
    const parsed = parseJsonBody<HeartbeatData>(req, 'heartbeat body');
    if ('error' in parsed) return parsed.error;
    const data = parsed.value;
    if (typeof data.clientID !== 'string' || data.clientID === '') {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, 'The heartbeat has no clientID');
    }
    const r = service.heartbeat(data, conn, req.language, req.version);
    return createResponse(req, r.code, r.remark);
  });

  server.registerProcessor(RequestCode.UNREGISTER_CLIENT, (req) => {
    const h = new ExtFields(req.extFields);
    const clientId = h.string('clientID');
    const producerGroup = h.optString('producerGroup');
    const consumerGroup = h.optString('consumerGroup');
    if (producerGroup) producers.unregister(producerGroup, clientId);
    if (consumerGroup) consumers.unregister(consumerGroup, clientId);
    return createResponse(req, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (req) => {
    const group = new ExtFields(req.extFields).string('consumerGroup');
    const ids = consumers.clientIds(group);
    if (ids.length === 0)
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${group}`);
    return jsonResponse(req, { consumerIdList: ids });
  });
}
