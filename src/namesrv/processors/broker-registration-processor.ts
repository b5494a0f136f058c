import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { RemotingConnection } from '../../remoting/transport/remoting-connection.ts';
import { createResponse, type RemotingCommand } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RegisterBrokerBody } from '../../common/protocol-data/route-data.ts';
import type { RouteInfoManager } from '../route-info-manager.ts';

/** REGISTER_BROKER and UNREGISTER_BROKER. */
export function registerBrokerRegistrationProcessor(
  server: RemotingServer,
  routes: RouteInfoManager,
  defaultTimeoutMillis: number,
): void {
  const brokerConnections = new WeakMap<RemotingConnection, Set<string>>();

  server.registerProcessor(
    RequestCode.REGISTER_BROKER,
    (req: RemotingCommand, conn: RemotingConnection) => {
      const ext = new ExtFields(req.extFields);
      if (ext.optBool('compressed', false)) {
        return createResponse(
          req,
          ResponseCode.SYSTEM_ERROR,
          'Compressed REGISTER_BROKER bodies are not supported; send JSON',
        );
      }
      let body: RegisterBrokerBody | undefined;
      if (req.body && req.body.length > 0) {
        try {
          body = JSON.parse(req.body.toString('utf8')) as RegisterBrokerBody;
        } catch (err) {
          return createResponse(
            req,
            ResponseCode.SYSTEM_ERROR,
            `Cannot parse the REGISTER_BROKER body: ${(err as Error).message}`,
          );
        }
      }
      const brokerAddr = ext.string('brokerAddr');
      const wrapper = body?.topicConfigSerializeWrapper;
      const result = routes.registerBroker({
        clusterName: ext.string('clusterName'),
        brokerAddr,
        brokerName: ext.string('brokerName'),
        brokerId: ext.int('brokerId'),
        haServerAddr: ext.optString('haServerAddr') ?? '',
        timeoutMillis: ext.optInt('heartbeatTimeoutMillis', defaultTimeoutMillis),
        topicConfigs: wrapper ? Object.values(wrapper.topicConfigTable ?? {}) : undefined,
        dataVersion: wrapper?.dataVersion,
      });
      let addrs = brokerConnections.get(conn);
      if (!addrs) {
        addrs = new Set();
        brokerConnections.set(conn, addrs);
        const tracked = addrs;
        // A broker whose connection closes is gone at once, not after the expiry scan.
        conn.onClosed(() => {
          for (const a of tracked) routes.unregisterBroker(a, 'connection closed');
        });
      }
      addrs.add(brokerAddr);
      return createResponse(
        req,
        ResponseCode.SUCCESS,
        undefined,
        result,
        Buffer.from('{"table":{}}'),
      );
    },
  );

  server.registerProcessor(RequestCode.UNREGISTER_BROKER, (req, conn) => {
    const ext = new ExtFields(req.extFields);
    const brokerAddr = ext.string('brokerAddr');
    brokerConnections.get(conn)?.delete(brokerAddr);
    routes.unregisterBroker(brokerAddr, 'unregistered');
    return createResponse(req, ResponseCode.SUCCESS);
  });
}
