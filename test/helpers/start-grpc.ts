import { pino } from 'pino';
import { GrpcServer } from '../../src/proxy/grpc/grpc-server.ts';
import type { TestCluster } from './start-cluster.ts';

/** The gRPC endpoint beside a test cluster's broker, on a free port; stopped with the cluster. */
export async function startGrpc(
  cluster: TestCluster,
): Promise<{ endpoint: string; server: GrpcServer }> {
  const server = new GrpcServer({
    service: cluster.broker.service,
    recall: (id, ms) => cluster.broker.timer.recall(id, ms),
    port: 0,
    host: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    logger: pino({ level: process.env.RMQ_TEST_LOG ?? 'silent' }),
  });
  await server.start();
  cluster.onStop(() => server.shutdown());
  return { endpoint: `127.0.0.1:${server.port}`, server };
}

/** A logger for rocketmq-client-nodejs that keeps quiet (its default writes files under ~/logs). */
export const quietLogger = {
  info: (): void => undefined,
  warn: (): void => undefined,
  error: (): void => undefined,
  debug: (): void => undefined,
};
