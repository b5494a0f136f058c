import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Code, OK, status, statusOf } from './grpc-status.ts';
import type { Req, Res, RpcEnv } from './rpc-env.ts';

/** The client's life: Heartbeat, Telemetry (settings, check-backs), NotifyClientTermination. */
export function clientRpcs(env: RpcEnv): UntypedServiceImplementation {
  const { unary, ctxOf, telemetry } = env;
  return {
    Heartbeat: unary((_req, ctx) => {
      const r = telemetry.heartbeat(ctx.clientId);
      return { status: statusOf(r) };
    }),

    NotifyClientTermination: unary((_req, ctx) => {
      telemetry.close(ctx.clientId);
      return { status: OK };
    }),

    Telemetry: (stream: ServerDuplexStream<Req, Res>) => {
      const ctx = ctxOf(stream);
      telemetry.serve(stream, ctx.clientId, ctx.namespace, ctx.peer);
    },

    SyncLiteSubscription: unary(() => ({
      status: status(Code.NOT_IMPLEMENTED, 'lite topics are not supported by this broker'),
    })),
  };
}
