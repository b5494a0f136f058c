import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BrokerOperations } from '../../broker/operations/broker-operations.ts';
import type { BrokerCluster } from '../../broker/operations/broker-gateway.ts';
import { clientRpcs } from './client-rpcs.ts';
import { consumeRpcs } from './consume-rpcs.ts';
import { offsetRpcs } from './offset-rpcs.ts';
import { routeRpcs } from './route-rpcs.ts';
import { createRpcEnv } from './rpc-env.ts';
import { sendRpcs } from './send-rpcs.ts';
import { TelemetrySessions } from './telemetry.ts';
import { transactionRpcs } from './transaction-rpcs.ts';

export interface MessagingServiceOptions {
  operations: BrokerOperations;
  /** The cluster's brokers: this one's core, the others over Remoting. */
  cluster: BrokerCluster;
  /** host:port clients reach this endpoint at, when a request does not say. */
  endpoint: () => { host: string; port: number };
  logger: Logger;
}

/**
 * `apache.rocketmq.v2.MessagingService` over the broker's protocol-neutral operations, so the
 * official 5.x SDKs talk to the broker process directly; one module per RPC family translates
 * requests to operation calls. Failures are answered inside each response's Status (gRPC status
 * OK), as the RocketMQ proxy does; never a Status with code 0.
 */
export function messagingService(o: MessagingServiceOptions): {
  handlers: UntypedServiceImplementation;
  telemetry: TelemetrySessions;
} {
  const telemetry = new TelemetrySessions(o.operations, o.cluster, o.logger);
  const env = createRpcEnv({
    ops: o.operations,
    logger: o.logger,
    telemetry,
    cluster: o.cluster,
    endpoint: o.endpoint,
  });
  const handlers: UntypedServiceImplementation = {
    ...routeRpcs(env),
    ...clientRpcs(env),
    ...sendRpcs(env),
    ...transactionRpcs(env),
    ...consumeRpcs(env),
    ...offsetRpcs(env),
  };
  return { handlers, telemetry };
}
