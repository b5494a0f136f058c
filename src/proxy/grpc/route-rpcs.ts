import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { isReadable, isWriteable } from '../../common/constants/perm-name.ts';
import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import { acceptedTypes } from '../../broker/operations/message-kind.ts';
import { Code, OK, status } from './grpc-status.ts';
import { unwrapNamespace, wrapNamespace, type V2Resource } from './message-mapping.ts';
import type { Req, Res, RpcEnv } from './rpc-env.ts';

/** Routes and assignments: QueryRoute and QueryAssignment. */
export function routeRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { ops, unary, topicOr } = env;
  const brokerName = ops.limits.brokerName;

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

  return {
    QueryRoute: unary((req, ctx) => {
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const tc = topicOr(topic);
      if ('code' in tc) return { status: tc, messageQueues: [] };
      const endpoints = endpointsFor(req);
      const queues: Res[] = [];
      const n = Math.max(tc.readQueueNums, tc.writeQueueNums);
      for (let id = 0; id < n; id++) {
        const r = id < tc.readQueueNums && isReadable(tc.perm);
        const w = id < tc.writeQueueNums && isWriteable(tc.perm);
        const permission = r && w ? 'READ_WRITE' : r ? 'READ' : w ? 'WRITE' : 'NONE';
        queues.push(queueOf(tc, ctx.namespace, id, endpoints, permission));
      }
      return { status: OK, messageQueues: queues };
    }),

    QueryAssignment: unary((req, ctx) => {
      const topic = wrapNamespace(ctx.namespace, (req.topic as V2Resource).name);
      const tc = topicOr(topic);
      if ('code' in tc) return { status: tc, assignments: [] };
      if (!isReadable(tc.perm) || tc.readQueueNums === 0)
        return {
          status: status(Code.FORBIDDEN, `no readable queue in topic ${topic}`),
          assignments: [],
        };
      const group = wrapNamespace(ctx.namespace, (req.group as V2Resource).name);
      const endpoints = endpointsFor(req);
      const fifo = ops.pop.isOrderly(group);
      const ids = fifo ? Array.from({ length: tc.readQueueNums }, (_v, i) => i) : [-1];
      return {
        status: OK,
        assignments: ids.map((id) => ({ messageQueue: queueOf(tc, ctx.namespace, id, endpoints) })),
      };
    }),
  };
}

/** Accepted message types of a topic, from its message.type attribute (none = NORMAL). */
