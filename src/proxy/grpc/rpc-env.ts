import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BrokerOperations } from '../../broker/operations/broker-operations.ts';
import type { BrokerCluster, BrokerGateway } from '../../broker/operations/broker-gateway.ts';
import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import { Code, status, statusOf, statusOfError, type Status } from './grpc-status.ts';
import type { TelemetrySessions } from './telemetry.ts';

export type Req = Record<string, unknown>;
export type Res = Record<string, unknown>;

/** Call context from the metadata: the client id and namespace every RPC carries. */
export interface Ctx {
  clientId: string;
  namespace: string;
  peerHost: string;
  /** host:port of the client. */
  peer: string;
}

type Call = { metadata: { get(k: string): unknown[] }; getPeer(): string };
type UnaryHandler = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/** What every RPC family's handlers share: the core, the sessions, and the call plumbing. */
export interface RpcEnv {
  ops: BrokerOperations;
  logger: Logger;
  telemetry: TelemetrySessions;
  /** Every broker of the cluster: routes span them all, and requests go to the queue's broker. */
  cluster: BrokerCluster;
  /** host:port clients reach this endpoint at, when a request does not say. */
  endpoint: () => { host: string; port: number };
  ctxOf: (call: Call) => Ctx;
  /** A unary handler that answers every failure inside the response's Status. */
  unary: (fn: (req: Req, ctx: Ctx) => Promise<Res> | Res) => UnaryHandler;
  /** The topic (from whichever broker has it), or ILLEGAL_TOPIC / TOPIC_NOT_FOUND naming it. */
  topicOr: (name: string) => Promise<TopicConfig | Status>;
  /** The broker a queue or a receipt handle names; NOT_FOUND when no name server knows it. */
  gatewayOr: (brokerName: string | undefined) => Promise<BrokerGateway | Status>;
}

export function createRpcEnv(
  base: Pick<RpcEnv, 'ops' | 'logger' | 'telemetry' | 'cluster' | 'endpoint'>,
): RpcEnv {
  const { logger } = base;
  const ctxOf = (call: Call): Ctx => {
    const first = (k: string): string => {
      const v = call.metadata.get(k)[0];
      return typeof v === 'string' ? v : v instanceof Buffer ? v.toString() : '';
    };
    const peer = call.getPeer();
    const host = /^(?:ipv4:)?(\d+\.\d+\.\d+\.\d+):\d+$/.exec(peer)?.[1] ?? '127.0.0.1';
    return {
      clientId: first('x-mq-client-id'),
      namespace: first('x-mq-namespace'),
      peerHost: host,
      peer: peer.replace(/^ipv[46]:/, ''),
    };
  };
  const unary =
    (fn: (req: Req, ctx: Ctx) => Promise<Res> | Res): UnaryHandler =>
    (call, callback) => {
      const ctx = ctxOf(call);
      Promise.resolve()
        .then(() => (ctx.clientId ? fn(call.request, ctx) : { status: clientIdRequired() }))
        .then(
          (res) => {
            const st = res.status as Status | undefined;
            if (st && st.code !== Code.OK)
              logger.debug(
                { rpc: fn.name, code: st.code, remark: st.message },
                'gRPC call answered',
              );
            callback(null, res);
          },
          (err: unknown) => {
            logger.error({ err }, 'gRPC call failed');
            callback(null, { status: statusOfError(err) });
          },
        );
    };
  const topicOr = async (name: string): Promise<TopicConfig | Status> => {
    const tc = await base.cluster.topicFor(name);
    return 'topicName' in tc ? tc : statusOf(tc);
  };
  const gatewayOr = async (brokerName: string | undefined): Promise<BrokerGateway | Status> => {
    if (!brokerName) return base.cluster.local;
    return (
      (await base.cluster.gateway(brokerName)) ??
      status(Code.NOT_FOUND, `no name server knows a master of broker ${brokerName}`)
    );
  };
  return { ...base, ctxOf, unary, topicOr, gatewayOr };
}

export function clientIdRequired(): Status {
  return status(Code.CLIENT_ID_REQUIRED, 'the x-mq-client-id header is required');
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
