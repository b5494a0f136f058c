import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { OK, statusOf } from './grpc-status.ts';
import { toMillis, wrapNamespace, type ProtoTime, type V2Resource } from './message-mapping.ts';
import type { RpcEnv } from './rpc-env.ts';

/** Consumer offsets for pull consumers: UpdateOffset, GetOffset, QueryOffset. */
export function offsetRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { ops, unary } = env;
  return {
    UpdateOffset: unary((req, ctx) => {
      const q = req.messageQueue as { topic: V2Resource; id: number };
      const r = ops.offsets.commitConsumerOffset(
        wrapNamespace(ctx.namespace, (req.group as V2Resource).name),
        wrapNamespace(ctx.namespace, q.topic.name),
        q.id,
        Number(req.offset),
      );
      return { status: statusOf(r) };
    }),

    GetOffset: unary((req, ctx) => {
      const q = req.messageQueue as { topic: V2Resource; id: number };
      const r = ops.offsets.queryConsumerOffset(
        wrapNamespace(ctx.namespace, (req.group as V2Resource).name),
        wrapNamespace(ctx.namespace, q.topic.name),
        q.id,
      );
      return { status: statusOf(r), offset: r.offset ?? 0 };
    }),

    QueryOffset: unary((req, ctx) => {
      const q = req.messageQueue as { topic: V2Resource; id: number };
      const topic = wrapNamespace(ctx.namespace, q.topic.name);
      const offset =
        req.queryOffsetPolicy === 'BEGINNING'
          ? ops.offsets.minOffset(topic, q.id)
          : req.queryOffsetPolicy === 'TIMESTAMP'
            ? ops.offsets.offsetByTime(topic, q.id, toMillis(req.timestamp as ProtoTime))
            : ops.offsets.maxOffset(topic, q.id);
      return { status: OK, offset };
    }),
  };
}
