import { homedir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RmqError } from '../common/errors/rmq-error.ts';
import { MessageStore } from '../store/message-store.ts';
import { resolveStoreConfig } from '../store/store-config.ts';
import { parseFlags } from './parse-flags.ts';

const USAGE = `Usage: rmq <command> [--key=value ...]

Commands:
  start    run a standalone store under ~/.rocketmq-ts (any store config key as --key=value)
  help     print this text

The name server, broker and admin commands arrive with the Remoting step.`;

async function start(flags: Map<string, string>): Promise<void> {
  const logger = pino({ level: process.env.RMQ_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const config = resolveStoreConfig(
    [{ storePathRootDir: join(homedir(), '.rocketmq-ts', 'store') }, flags],
    {
      onIgnoredKey: (key) => logger.warn({ key }, 'Config key accepted and ignored'),
      source: 'the command line',
    },
  );
  const store = new MessageStore({ config, logger });
  await store.start();
  console.log(`store ${config.storePathRootDir}`);
  console.log('ready');
  const stop = (): void => {
    void store.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(argv: readonly string[]): Promise<void> {
  const { positional, flags } = parseFlags(argv);
  const command = positional[0] ?? 'help';
  switch (command) {
    case 'start':
      await start(flags);
      return;
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      console.error(`rmq: unknown command "${command}"\n\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(
    `rmq: ${err instanceof RmqError || err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
