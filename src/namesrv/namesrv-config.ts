import { ROCKETMQ_NAMESRV_KEYS } from '../common/config/rocketmq-config-keys.ts';
import {
  resolveConfig,
  type ConfigLayer,
  type ConfigOf,
  type ResolveOptions,
} from '../common/config/config-schema.ts';

/** NamesrvConfig keys with RocketMQ's spellings. */
export const namesrvConfigSchema = {
  listenPort: {
    type: 'int',
    default: 9876,
    min: 0,
    max: 65535,
    doc: 'Remoting port of the name server (0 = any free port).',
  },
  bindAddress: { type: 'string', default: '0.0.0.0', doc: 'Address the name server listens on.' },
  scanNotActiveBrokerInterval: {
    type: 'int',
    default: 10000,
    min: 100,
    doc: 'ms between scans that expire brokers whose heartbeats stopped.',
  },
  brokerChannelExpiredTime: {
    type: 'int',
    default: 120000,
    min: 1000,
    doc: 'ms without a heartbeat after which a broker is dropped (unless it registered its own timeout).',
  },
  rocketmqHome: { type: 'string', default: '', supported: false, doc: 'Accepted and ignored.' },
  kvConfigPath: {
    type: 'string',
    default: '',
    doc: 'File the KV config (mqadmin updateKvConfig) is saved to; empty keeps it in memory only.',
  },
  orderMessageEnable: {
    type: 'bool',
    default: false,
    supported: false,
    doc: 'Accepted and ignored.',
  },
} as const;

export type NamesrvConfig = ConfigOf<typeof namesrvConfigSchema>;

export function resolveNamesrvConfig(
  layers: readonly ConfigLayer[],
  options?: ResolveOptions,
): NamesrvConfig {
  return resolveConfig(namesrvConfigSchema, layers, {
    ...options,
    foreignKeys: ROCKETMQ_NAMESRV_KEYS,
  });
}
