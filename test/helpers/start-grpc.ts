import { pino } from 'pino';
import { GrpcServer } from '../../src/proxy/grpc/grpc-server.ts';
import type { TestCluster } from './start-cluster.ts';

/** The gRPC endpoint beside a test cluster's broker, on a free port; stopped with the cluster. */
export async function startGrpc(
  cluster: TestCluster,
): Promise<{ endpoint: string; server: GrpcServer }> {
  const server = new GrpcServer({
    operations: cluster.broker.operations,
    cluster: cluster.broker.cluster,
    port: 0,
    host: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    logger: pino({ level: process.env.RMQ_TEST_LOG ?? 'silent' }),
  });
  await server.start();
  cluster.onStop(() => server.shutdown());
  return { endpoint: `127.0.0.1:${server.port}`, server };
}

/** A logger for rocketmq-client-nodejs that keeps quiet (its default writes files under ~/logs); RMQ_CLIENT_LOG=1 shows it. */
const show =
  (level: string) =>
  (...args: unknown[]): void => {
    if (process.env.RMQ_CLIENT_LOG) console.log(level, ...args);
  };
export const quietLogger = {
  info: show('I'),
  warn: show('W'),
  error: show('E'),
  debug: show('D'),
};

/**
 * Shuts a rocketmq-client-nodejs client down, bounded: its shutdown waits for cached messages
 * and in-flight calls without a limit of its own, and a test must not hang on it.
 */
export async function closeClient(
  client: { shutdown(): Promise<void> },
  ms = 10000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.shutdown(),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
