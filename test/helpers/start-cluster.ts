import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { NameServer } from '../../src/namesrv/name-server.ts';
import { resolveNamesrvConfig } from '../../src/namesrv/namesrv-config.ts';
import { BrokerController } from '../../src/broker/broker-controller.ts';
import { resolveBrokerConfigs } from '../../src/broker/broker-config.ts';
import { RemotingClient } from '../../src/remoting/transport/remoting-client.ts';
import { waitUntil } from './wait-for.ts';
import { AdminClient } from '../../src/admin/admin-client.ts';
import { createRequest } from '../../src/remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../src/remoting/protocol/response-code.ts';

export interface TestCluster {
  namesrv: NameServer;
  broker: BrokerController;
  namesrvAddr: string;
  brokerAddr: string;
  root: string;
  /** Runs `fn` when the test ends, before the servers stop (clients must close first). */
  onStop(fn: () => Promise<void> | void): void;
  /** Creates a topic on the broker and waits until the name server routes it. */
  createTopic(topic: string, queues?: number): Promise<void>;
}

let counter = 0;
/** Unique per test process, so topics and groups never collide across tests. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now() % 100000}_${counter++}`;
}

/**
 * A name server and a broker in this process on 127.0.0.1, port 0, data in a temp folder with
 * 1 MiB segments. Stopped and removed after the test, even when it fails.
 */
export async function startCluster(
  t: TestContext,
  brokerOverrides: Record<string, unknown> = {},
): Promise<TestCluster> {
  const cluster = await launchCluster(brokerOverrides);
  t.after(() => cluster.stop());
  return cluster;
}

/** The same cluster for a whole file (started in `before`); the caller stops it. */
export async function launchCluster(
  brokerOverrides: Record<string, unknown> = {},
): Promise<TestCluster & { stop(): Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'rmq-cluster-'));
  const logger = pino({ level: process.env.RMQ_TEST_LOG ?? 'silent' });
  const namesrv = new NameServer(
    resolveNamesrvConfig([{ listenPort: 0, bindAddress: '127.0.0.1' }]),
    logger,
  );
  await namesrv.start();
  const namesrvAddr = `127.0.0.1:${namesrv.port}`;
  const { broker: brokerConfig, store } = testBrokerConfigs(root, namesrvAddr, brokerOverrides);
  const broker = new BrokerController(brokerConfig, store, logger);
  await broker.start();
  const admin = new RemotingClient({ logger });
  const dependents: (() => Promise<void> | void)[] = [];
  const stop = async (): Promise<void> => {
    for (const fn of dependents.reverse()) await fn();
    await admin.shutdown();
    await broker.shutdown();
    await namesrv.shutdown();
    rmSync(root, { recursive: true, force: true });
  };
  const brokerAddr = broker.brokerAddr;
  return {
    namesrv,
    broker,
    namesrvAddr,
    brokerAddr,
    root,
    stop,
    onStop(fn) {
      dependents.push(fn);
    },
    async createTopic(topic, queues = 4) {
      const res = await admin.invoke(
        brokerAddr,
        createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, 0, {
          topic,
          readQueueNums: String(queues),
          writeQueueNums: String(queues),
          perm: '6',
        }),
        3000,
      );
      if (res.code !== ResponseCode.SUCCESS)
        throw new Error(`createTopic ${topic}: ${res.code} ${res.remark ?? ''}`);
      // Registration with the name server runs right after a topic change; wait for the route.
      await waitUntil(
        () => namesrv.routes.pickupTopicRouteData(topic) !== undefined,
        5000,
        `the name server routes ${topic}`,
      );
    },
  };
}

/** The configs of a test broker: small segments, fast delay levels, port 0 on 127.0.0.1. */
function testBrokerConfigs(
  root: string,
  namesrvAddr: string,
  overrides: Record<string, unknown>,
): ReturnType<typeof resolveBrokerConfigs> {
  return resolveBrokerConfigs([
    {
      storePathRootDir: root,
      brokerName: 'broker-a',
      listenPort: 0,
      bindAddress: '127.0.0.1',
      brokerIP1: '127.0.0.1',
      namesrvAddr,
      mappedFileSizeCommitLog: 1024 * 1024,
      mappedFileSizeConsumeQueue: 30000 * 20,
      maxHashSlotNum: 10000,
      maxIndexNum: 40000,
      // Fast delay levels (retries use level 3 + reconsume times) keep retry tests short.
      messageDelayLevel: Array.from({ length: 18 }, (_v, i) => `${(i + 1) * 50}ms`).join(' '),
    },
    overrides,
  ]);
}

/**
 * One more broker in a test cluster (a master of another group, or with brokerRole=SLAVE a slave)
 * with its own store in `folder` (the broker name by default) under the cluster's, registered with
 * the same name server and stopped with the cluster unless `stop` stopped it first. Starting one
 * again on the same folder restarts it on its store.
 */
export async function startAnotherBroker(
  cluster: TestCluster,
  brokerName: string,
  overrides: Record<string, unknown> = {},
  folder = brokerName,
): Promise<{ broker: BrokerController; stop(): Promise<void> }> {
  const root = join(cluster.root, folder);
  const { broker: config, store } = testBrokerConfigs(root, cluster.namesrvAddr, {
    ...overrides,
    brokerName,
  });
  const broker = new BrokerController(
    config,
    store,
    pino({ level: process.env.RMQ_TEST_LOG ?? 'silent' }),
  );
  await broker.start();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= broker.shutdown());
  cluster.onStop(stop);
  return { broker, stop };
}

/**
 * A topic created on several brokers of a test cluster, once the name server routes it from all
 * of them.
 */
export async function createTopicOnBrokers(
  cluster: TestCluster,
  brokers: readonly BrokerController[],
  topic: string,
  queues: number,
  attributes?: string,
): Promise<void> {
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  try {
    await admin.updateTopic(
      brokers.map((b) => b.brokerAddr),
      {
        topic,
        readQueueNums: queues,
        writeQueueNums: queues,
        ...(attributes ? { attributes } : {}),
      },
    );
  } finally {
    await admin.shutdown();
  }
  await waitUntil(
    () => cluster.namesrv.routes.pickupTopicRouteData(topic)?.queueDatas.length === brokers.length,
    5000,
    `the name server routes ${topic} from ${brokers.length} brokers`,
  );
}

/** A name server and one broker whose store outlives restarts, for recovery tests. */
export interface RestartableBroker {
  namesrvAddr: string;
  root: string;
  /** The broker running now. */
  readonly broker: BrokerController;
  /** Stops the broker cleanly, runs `between` (to look at or damage its files), starts a new one on the same store. */
  restart(between?: () => void): Promise<BrokerController>;
}

/**
 * Like startCluster, but the broker can be restarted on its own store. Everything stops and the
 * folder goes after the test (t.after hooks run in registration order, so clients registered
 * later close after the broker).
 */
export async function startRestartableBroker(
  t: TestContext,
  brokerOverrides: Record<string, unknown> = {},
): Promise<RestartableBroker> {
  const root = mkdtempSync(join(tmpdir(), 'rmq-restart-'));
  const namesrv = new NameServer(
    resolveNamesrvConfig([{ listenPort: 0, bindAddress: '127.0.0.1' }]),
  );
  await namesrv.start();
  const namesrvAddr = `127.0.0.1:${namesrv.port}`;
  const make = (): BrokerController => {
    const { broker, store } = resolveBrokerConfigs([
      {
        storePathRootDir: root,
        brokerName: 'broker-r',
        listenPort: 0,
        bindAddress: '127.0.0.1',
        brokerIP1: '127.0.0.1',
        namesrvAddr,
        mappedFileSizeCommitLog: 1048576,
        maxHashSlotNum: 1000,
        maxIndexNum: 4000,
      },
      brokerOverrides,
    ]);
    return new BrokerController(
      broker,
      store,
      pino({ level: process.env.RMQ_TEST_LOG ?? 'silent' }),
    );
  };
  let broker = make();
  await broker.start();
  t.after(async () => {
    await broker.shutdown();
    await namesrv.shutdown();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    namesrvAddr,
    root,
    get broker() {
      return broker;
    },
    async restart(between) {
      await broker.shutdown();
      between?.();
      broker = make();
      await broker.start();
      return broker;
    },
  };
}
