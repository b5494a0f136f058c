import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RouteInfoManager } from '../route-info-manager.ts';

/** Route and cluster queries, topic lists, topic deletion, and a broker's write permission. */
export function registerRouteQueryProcessor(
  server: RemotingServer,
  routes: RouteInfoManager,
): void {
  server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) => {
    const topic = new ExtFields(req.extFields).string('topic');
    const route = routes.pickupTopicRouteData(topic);
    if (!route) {
      return createResponse(
        req,
        ResponseCode.TOPIC_NOT_EXIST,
        `No topic route info in name server for the topic: ${topic}`,
      );
    }
    return jsonResponse(req, route);
  });

  for (const [code, writable, field] of [
    [RequestCode.WIPE_WRITE_PERM_OF_BROKER, false, 'wipeTopicCount'],
    [RequestCode.ADD_WRITE_PERM_OF_BROKER, true, 'addTopicCount'],
  ] as const) {
    server.registerProcessor(code, (req) => {
      const brokerName = new ExtFields(req.extFields).string('brokerName');
      const n = routes.setWritePerm(brokerName, writable);
      return createResponse(req, ResponseCode.SUCCESS, undefined, { [field]: String(n) });
    });
  }

  server.registerProcessor(RequestCode.GET_BROKER_CLUSTER_INFO, (req) =>
    jsonResponse(req, routes.getAllClusterInfo()),
  );

  server.registerProcessor(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (req) =>
    jsonResponse(req, { topicList: routes.getAllTopicList() }),
  );

  server.registerProcessor(RequestCode.GET_TOPICS_BY_CLUSTER, (req) => {
    const cluster = new ExtFields(req.extFields).string('cluster');
    return jsonResponse(req, { topicList: routes.getTopicsByCluster(cluster) });
  });

  server.registerProcessor(RequestCode.DELETE_TOPIC_IN_NAMESRV, (req) => {
    const ext = new ExtFields(req.extFields);
    routes.deleteTopic(ext.string('topic'), ext.optString('clusterName'));
    return createResponse(req, ResponseCode.SUCCESS);
  });
}
