import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  MQ_VERSION_ORDINAL,
  mqVersionDesc,
  PRODUCT_VERSION,
} from '../../../src/common/constants/version.ts';

test('the version the broker reports is the package version', () => {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  assert.equal(PRODUCT_VERSION, pkg.version);
});

test('client version ordinals read as RocketMQ names them (MQVersion)', () => {
  assert.equal(mqVersionDesc(0), 'V3_0_0_SNAPSHOT');
  assert.equal(mqVersionDesc(15), 'V3_0_0_FINAL');
  assert.equal(mqVersionDesc(16), 'V3_0_1_SNAPSHOT');
  assert.equal(mqVersionDesc(194), 'V3_9_1_SNAPSHOT');
  assert.equal(mqVersionDesc(MQ_VERSION_ORDINAL), 'V5_3_3');
  assert.equal(mqVersionDesc(611), 'V5_9_9');
  assert.equal(mqVersionDesc(5000), 'V5_9_9', 'past the table: the last name, as MQVersion does');
});
