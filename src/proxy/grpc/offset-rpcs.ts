import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { BrokerGateway } from '../../broker/operations/broker-gateway.ts';
import { OK, statusOf, type Status } from './grpc-status.ts';
import { toMillis, wrapNamespace, type ProtoTime, type V2Resource } from './message-mapping.ts';
import type { Req, RpcEnv } from './rpc-env.ts';

type Queue = { topic: V2Resource; id: number; broker?: { name?: string } };

/** Consumer offsets for pull consumers, kept by the queue's broker: UpdateOffset, GetOffset, QueryOffset. */
export function offsetRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { unary, gatewayOr } = env;
  const queueOf = async (
    req: Req,
  ): Promise<{ q: Queue; gateway: BrokerGateway } | { status: Status }> => {
    const q = req.messageQueue as Queue;
    const gateway = await gatewayOr(q.broker?.name);
    return 'code' in gateway ? { status: gateway } : { q, gateway };
  };
  return {
    UpdateOffset: unary(async (req, ctx) => {
      const at = await queueOf(req);
      if ('status' in at) return at;
      const r = await at.gateway.commitConsumerOffset(
        wrapNamespace(ctx.namespace, (req.group as V2Resource).name),
        wrapNamespace(ctx.namespace, at.q.topic.name),
        at.q.id,
        Number(req.offset),
      );
      return { status: statusOf(r) };
    }),

    GetOffset: unary(async (req, ctx) => {
      const at = await queueOf(req);
      if ('status' in at) return at;
      const r = await at.gateway.queryConsumerOffset(
        wrapNamespace(ctx.namespace, (req.group as V2Resource).name),
        wrapNamespace(ctx.namespace, at.q.topic.name),
        at.q.id,
      );
      return { status: statusOf(r), offset: r.offset ?? 0 };
    }),

    QueryOffset: unary(async (req, ctx) => {
      const at = await queueOf(req);
      if ('status' in at) return at;
      const topic = wrapNamespace(ctx.namespace, at.q.topic.name);
      const offset = await at.gateway.queueOffset(
        topic,
        at.q.id,
        req.queryOffsetPolicy === 'BEGINNING'
          ? 'min'
          : req.queryOffsetPolicy === 'TIMESTAMP'
            ? { timestamp: toMillis(req.timestamp as ProtoTime) }
            : 'max',
      );
      return { status: OK, offset };
    }),
  };
}
