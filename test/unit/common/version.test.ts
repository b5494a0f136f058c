import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PRODUCT_VERSION } from '../../../src/common/constants/version.ts';

test('the version the broker reports is the package version', () => {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  assert.equal(PRODUCT_VERSION, pkg.version);
});
