/**
 * RocketMQ's own config files (the settings of every file in apache/rocketmq distribution/conf,
 * in test/fixtures/rocketmq-conf) load: a RocketMQ key we do not implement is one warning naming
 * it; a key that neither RocketMQ nor we know stops start-up with a suggestion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readPropertiesFile } from '../../../../src/cli/config-sources.ts';
import { brokerConfigSchema, resolveBrokerConfigs } from '../../../../src/broker/broker-config.ts';
import { storeConfigSchema } from '../../../../src/store/store-config.ts';
import {
  namesrvConfigSchema,
  resolveNamesrvConfig,
} from '../../../../src/namesrv/namesrv-config.ts';

const ROOT = new URL('../../../fixtures/rocketmq-conf/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Name server and controller files go to `rmq namesrv`; every other file is a broker's. */
const isNamesrvFile = (path: string): boolean =>
  /namesrv|nameserver|controller-(n\d|standalone)/.test(path);

test('every config file of RocketMQ distribution/conf loads, each RocketMQ-only key warned about once', () => {
  const all = files(ROOT);
  assert.equal(all.length, 32, 'the fixture holds every file of distribution/conf');
  for (const path of all) {
    const name = relative(ROOT, path);
    const layer = readPropertiesFile(path);
    const warned: string[] = [];
    const options = { source: name, onIgnoredKey: (k: string) => warned.push(k) };
    const ours = isNamesrvFile(path)
      ? Object.keys(namesrvConfigSchema)
      : [...Object.keys(brokerConfigSchema), ...Object.keys(storeConfigSchema)];
    if (isNamesrvFile(path)) resolveNamesrvConfig([layer], options);
    else resolveBrokerConfigs([layer], options);
    const foreign = [...layer.keys()].filter((k) => !ours.includes(k));
    for (const k of foreign)
      assert.equal(warned.filter((w) => w === k).length, 1, `${name}: ${k} warned once`);
  }
});

test('the broker settings of a RocketMQ file take effect', () => {
  const layer = readPropertiesFile(join(ROOT, '2m-2s-sync/broker-a.properties'));
  const { broker, store } = resolveBrokerConfigs([layer]);
  assert.equal(broker.brokerName, 'broker-a');
  assert.equal(broker.brokerRole, 'SYNC_MASTER');
  assert.equal(store.flushDiskType, 'ASYNC_FLUSH');
  assert.equal(store.fileReservedTime, 48);
});

test('a key neither RocketMQ nor rocketmq-ts knows stops start-up, with a suggestion', () => {
  assert.throws(
    () => resolveBrokerConfigs([new Map([['brokerNmae', 'x']])], { source: 'broker.conf' }),
    /Unknown config key "brokerNmae" in broker\.conf: did you mean "brokerName"\?/,
  );
  assert.throws(
    () => resolveNamesrvConfig([new Map([['listenPrt', '1']])]),
    /Unknown config key "listenPrt": did you mean "listenPort"\?/,
  );
});

test('brokerRole and brokerId must agree: masters are 0, slaves 1 and up, -1 leaves both to the controller', () => {
  const resolve = (layer: Record<string, string>) => resolveBrokerConfigs([layer]);
  assert.equal(resolve({ brokerRole: 'SLAVE', brokerId: '1' }).broker.brokerRole, 'SLAVE');
  assert.equal(resolve({ brokerRole: 'SYNC_MASTER', brokerId: '0' }).broker.brokerId, 0);
  assert.equal(resolve({ brokerRole: 'SLAVE', brokerId: '-1' }).broker.brokerId, -1);
  assert.throws(
    () => resolve({ brokerRole: 'SLAVE', brokerId: '0' }),
    /slave.*brokerId 1 or above/,
  );
  assert.throws(
    () => resolve({ brokerId: '2' }),
    /master \(brokerRole=ASYNC_MASTER\) is brokerId 0/,
  );
});
