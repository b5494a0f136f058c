import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { NameServer } from '../../namesrv/name-server.ts';
import { resolveNamesrvConfig } from '../../namesrv/namesrv-config.ts';
import { BrokerController } from '../../broker/broker-controller.ts';
import { GrpcServer } from '../../proxy/grpc/grpc-server.ts';
import { resolveBrokerConfigs } from '../../broker/broker-config.ts';
import type { ParsedArgs } from '../parse-flags.ts';
import { envLayer, readPropertiesFile } from '../config-sources.ts';

export interface Running {
  shutdown(): Promise<void>;
}

const ignoredWarning = (logger: Logger) => (key: string) =>
  logger.warn({ key }, 'Config key accepted and ignored');

/** `rmq start`: a name server and a broker in one process, data under ~/.rocketmq-ts. */
export async function startStandalone(
  args: ParsedArgs,
  logger: Logger,
  print: (line: string) => void,
): Promise<Running> {
  const flags = new Map(args.flags);
  const namesrvPort = flags.get('namesrvPort') ?? '9876';
  flags.delete('namesrvPort');
  // Resolved (and so validated) before anything listens; a refused store opens no port either.
  const configs = resolveBrokerConfigs(
    [
      {
        storePathRootDir: join(homedir(), '.rocketmq-ts', 'store'),
        brokerName: 'broker-a',
        bindAddress: '127.0.0.1',
        brokerIP1: '127.0.0.1',
      },
      flags,
      { namesrvAddr: `127.0.0.1:${namesrvPort}` },
    ],
    { source: 'the command line', onIgnoredKey: ignoredWarning(logger) },
  );
  const storeLock = BrokerController.lockStore(configs.store);
  const namesrv = new NameServer(
    resolveNamesrvConfig(
      [{ listenPort: namesrvPort, bindAddress: flags.get('bindAddress') ?? '127.0.0.1' }],
      {
        source: 'the command line',
      },
    ),
    logger,
  );
  try {
    await namesrv.start();
  } catch (err) {
    storeLock.release();
    throw err;
  }
  // With --namesrvPort=0 the name server's port is known only now.
  const broker = Object.freeze({ ...configs.broker, namesrvAddr: `127.0.0.1:${namesrv.port}` });
  const controller = new BrokerController(broker, configs.store, logger, storeLock);
  try {
    await controller.start();
  } catch (err) {
    await namesrv.shutdown();
    throw err;
  }
  let grpc: GrpcServer | undefined;
  try {
    grpc = await startGrpcEndpoint(controller, logger);
  } catch (err) {
    await controller.shutdown();
    await namesrv.shutdown();
    throw err;
  }
  print(`namesrv 127.0.0.1:${namesrv.port}`);
  print(`broker ${controller.brokerAddr}`);
  if (grpc) print(`grpc ${grpcAddr(controller, grpc)}`);
  return {
    async shutdown() {
      await grpc?.shutdown();
      await controller.shutdown();
      await namesrv.shutdown();
    },
  };
}

/** The gRPC endpoint beside a broker when enableGrpc (the default), on grpcServerPort. */
async function startGrpcEndpoint(
  controller: BrokerController,
  logger: Logger,
): Promise<GrpcServer | undefined> {
  const { config } = controller;
  if (!config.enableGrpc) return undefined;
  const grpc = new GrpcServer({
    operations: controller.operations,
    cluster: controller.cluster,
    port: config.grpcServerPort,
    host: config.bindAddress,
    advertisedHost: controller.brokerAddr.slice(0, controller.brokerAddr.lastIndexOf(':')),
    tls:
      config.grpcTlsCertPath && config.grpcTlsKeyPath
        ? { cert: readFileSync(config.grpcTlsCertPath), key: readFileSync(config.grpcTlsKeyPath) }
        : undefined,
    logger,
  });
  await grpc.start();
  return grpc;
}

function grpcAddr(controller: BrokerController, grpc: GrpcServer): string {
  return `${controller.brokerAddr.slice(0, controller.brokerAddr.lastIndexOf(':'))}:${grpc.port}`;
}

/** `rmq namesrv [-c namesrv.properties] [--key=value]`. */
export async function startNamesrv(
  args: ParsedArgs,
  logger: Logger,
  print: (line: string) => void,
): Promise<Running | undefined> {
  const file = args.short.get('c');
  const config = resolveNamesrvConfig([file ? readPropertiesFile(file) : {}, args.flags], {
    source: file ?? 'the command line',
    onIgnoredKey: ignoredWarning(logger),
  });
  if (args.short.has('p')) {
    print(JSON.stringify(config, null, 2));
    return undefined;
  }
  const namesrv = new NameServer(config, logger);
  await namesrv.start();
  print(`namesrv ${config.bindAddress}:${namesrv.port}`);
  return namesrv;
}

/** `rmq broker [-c broker.properties] [-n "a:9876;b:9876"] [--key=value]`. */
export async function startBroker(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  print: (line: string) => void,
): Promise<Running | undefined> {
  const file = args.short.get('c');
  const n = args.short.get('n');
  const { broker, store } = resolveBrokerConfigs(
    [envLayer(env), file ? readPropertiesFile(file) : {}, args.flags, n ? { namesrvAddr: n } : {}],
    { source: file ?? 'the command line', onIgnoredKey: ignoredWarning(logger) },
  );
  if (args.short.has('p')) {
    print(JSON.stringify({ ...broker, ...store }, null, 2));
    return undefined;
  }
  const controller = new BrokerController(broker, store, logger);
  await controller.start();
  let grpc: GrpcServer | undefined;
  try {
    grpc = await startGrpcEndpoint(controller, logger);
  } catch (err) {
    await controller.shutdown();
    throw err;
  }
  print(`broker ${controller.brokerAddr}`);
  if (grpc) print(`grpc ${grpcAddr(controller, grpc)}`);
  return {
    async shutdown() {
      await grpc?.shutdown();
      await controller.shutdown();
    },
  };
}
