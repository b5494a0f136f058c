import type { TestContext } from 'node:test';
import { createClient, type Client } from '../../src/client/index.ts';
import { uniqueName, type TestCluster } from './start-cluster.ts';

/** An SDK client on the test cluster, shut down after the test. */
export function sdkClient(
  t: TestContext,
  cluster: TestCluster,
  instanceName = uniqueName('sdk'),
): Client {
  const c = createClient({ namesrvAddr: cluster.namesrvAddr, clientIP: '127.0.0.1', instanceName });
  t.after(() => c.shutdown());
  return c;
}

/** Starts a producer or consumer and shuts it down after the test. */
export async function started<T extends { start(): Promise<void>; shutdown(): Promise<void> }>(
  t: TestContext,
  x: T,
): Promise<T> {
  await x.start();
  t.after(() => x.shutdown());
  return x;
}
