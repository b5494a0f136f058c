import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { isReadable, isWriteable } from '../../common/constants/perm-name.ts';
import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import type { BrokerQueues } from '../../broker/operations/broker-queues.ts';
import { acceptedTypes } from '../../broker/operations/message-kind.ts';
import { Code, OK, status } from './grpc-status.ts';
import { unwrapNamespace, wrapNamespace, type V2Resource } from './message-mapping.ts';
import type { Req, Res, RpcEnv } from './rpc-env.ts';

/**
 * Routes and assignments: QueryRoute and QueryAssignment, over every broker of the cluster that
 * serves the topic, each queue reached through this endpoint (RocketMQ's proxy in cluster mode).
 */
export function routeRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { ops, unary, topicOr, cluster } = env;

  const endpointsFor = (req: Req): Res => {
    const given = req.endpoints as { addresses?: { host: string; port: number }[] } | undefined;
    const address = given?.addresses?.[0] ?? env.endpoint();
    return {
      scheme: /^\d+\.\d+\.\d+\.\d+$/.test(address.host) ? 'IPv4' : 'DOMAIN_NAME',
      addresses: [{ host: address.host, port: address.port }],
    };
  };

  const queueOf = (
    tc: TopicConfig,
    ns: string,
    brokerName: string,
    id: number,
    endpoints: Res,
    permission = 'READ_WRITE',
  ): Res => ({
    topic: { resourceNamespace: ns, name: unwrapNamespace(ns, tc.topicName) },
    id,
    permission,
    broker: { name: brokerName, id: 0, endpoints },
    acceptMessageTypes: acceptedTypes(tc),
  });

  const permissionOf = (b: BrokerQueues, id: number): string => {
    const r = id < b.readQueueNums && isReadable(b.perm);
    const w = id < b.writeQueueNums && isWriteable(b.perm);
    return r && w ? 'READ_WRITE' : r ? 'READ' : w ? 'WRITE' : 'NONE';
  };

  return {
    QueryRoute: unary(async (req, ctx) => {
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const tc = await topicOr(topic);
      if ('code' in tc) return { status: tc, messageQueues: [] };
      const endpoints = endpointsFor(req);
      const queues: Res[] = [];
      for (const b of await cluster.route(topic)) {
        const n = Math.max(b.readQueueNums, b.writeQueueNums);
        for (let id = 0; id < n; id++)
          queues.push(queueOf(tc, ctx.namespace, b.brokerName, id, endpoints, permissionOf(b, id)));
      }
      return { status: OK, messageQueues: queues };
    }),

    QueryAssignment: unary(async (req, ctx) => {
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const tc = await topicOr(topic);
      if ('code' in tc) return { status: tc, assignments: [] };
      const readable = (await cluster.route(topic)).filter(
        (b) => isReadable(b.perm) && b.readQueueNums > 0,
      );
      if (readable.length === 0)
        return {
          status: status(Code.FORBIDDEN, `no readable queue in topic ${topic}`),
          assignments: [],
        };
      const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
      const endpoints = endpointsFor(req);
      const fifo = ops.pop.isOrderly(group);
      // FIFO: every queue (one message group in flight per queue); else one per broker, any queue.
      const assignments = readable.flatMap((b) =>
        (fifo ? Array.from({ length: b.readQueueNums }, (_v, i) => i) : [-1]).map((id) => ({
          messageQueue: queueOf(tc, ctx.namespace, b.brokerName, id, endpoints),
        })),
      );
      return { status: OK, assignments };
    }),
  };
}
