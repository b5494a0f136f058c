import { RmqError } from '../common/errors/rmq-error.ts';
import { parseFlags } from './parse-flags.ts';
import { cliLogger } from './logger.ts';
import { startBroker, startNamesrv, startStandalone, type Running } from './commands/servers.ts';
import { runAdmin } from './commands/admin.ts';
import { UsageError } from './usage-error.ts';

const USAGE = `Usage: rmq <command> [options]

Commands:
  start      a name server and a broker in one process, data under ~/.rocketmq-ts
             --namesrvPort=9876 --listenPort=10911 (0 = any free port), any broker or store key
  namesrv    a name server: [-c namesrv.properties] [-p] [--key=value ...]
  broker     a broker: [-c broker.properties] [-n "host:9876;host2:9876"] [-p] [--key=value ...]
  admin      mqadmin's commands: rmq admin help
  help       this text

-p prints the effective configuration and exits. Set RMQ_LOG_LEVEL (info) for more or less logging.`;

async function main(argv: readonly string[]): Promise<void> {
  const command = argv.find((a) => !a.startsWith('-')) ?? 'help';
  if (command === 'admin') {
    const print = (text: string): void => {
      process.stdout.write(`${text}\n`);
    };
    const out = await runAdmin(argv.slice(argv.indexOf('admin') + 1), process.env, print);
    if (out !== '') print(out);
    return;
  }
  const args = parseFlags(argv, ['p']);
  const logger = cliLogger(process.env.RMQ_LOG_LEVEL);
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  let running: Running | undefined;
  switch (command) {
    case 'start':
      running = await startStandalone(args, logger, print);
      break;
    case 'namesrv':
      running = await startNamesrv(args, logger, print);
      break;
    case 'broker':
      running = await startBroker(args, process.env, logger, print);
      break;
    case 'help':
    case '--help':
      print(USAGE);
      return;
    default:
      process.stderr.write(`rmq: unknown command "${command}"\n\n${USAGE}\n`);
      process.exit(2);
  }
  if (!running) return;
  print('ready');
  const server = running;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Shutting down');
    server.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof RmqError || err instanceof Error ? err.message : String(err);
  // A usage mistake prints whole (the command's flags follow it); anything else in one line.
  const text = err instanceof UsageError ? message : (message.split('\n')[0] ?? message);
  process.stderr.write(`rmq: ${text}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
