import { pino, type Logger } from 'pino';

/** Logs to stderr so stdout keeps only the lines scripts read (`namesrv ...`, `ready`). */
export function cliLogger(level: string | undefined): Logger {
  return pino({ level: level ?? 'info' }, pino.destination(2));
}
