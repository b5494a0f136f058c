import { readFileSync } from 'node:fs';
import { RmqError } from '../common/errors/rmq-error.ts';
import { parseProperties } from '../common/config/properties-parser.ts';

/** Reads a RocketMQ .properties file (broker.properties, namesrv.properties). */
export function readPropertiesFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RmqError(
      'CONFIG_FILE_UNREADABLE',
      `Cannot read config file ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return parseProperties(text);
}

/** Environment settings RocketMQ honours: NAMESRV_ADDR. */
export function envLayer(env: NodeJS.ProcessEnv): Record<string, string> {
  return env.NAMESRV_ADDR ? { namesrvAddr: env.NAMESRV_ADDR } : {};
}
