import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configTable } from '../../../src/common/config/config-table.ts';
import { ErrorRegistry } from '../../../src/common/errors/error-registry.ts';
import { MQ_CLIENT_ERROR_CODES } from '../../../src/client/client-errors.ts';
import { storeConfigSchema } from '../../../src/store/store-config.ts';
import { brokerConfigSchema } from '../../../src/broker/broker-config.ts';
import { namesrvConfigSchema } from '../../../src/namesrv/namesrv-config.ts';

const sdkSection = (text: string): string => text.slice(text.indexOf('## SDK errors'));
const serverSection = (text: string): string => text.slice(0, text.indexOf('## SDK errors'));
const doc = (name: string): string =>
  readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

test('docs/configuration.md shows exactly the store, broker and name server schemas (run npm run docs:config)', () => {
  for (const schema of [storeConfigSchema, brokerConfigSchema, namesrvConfigSchema]) {
    assert.ok(doc('configuration.md').includes(configTable(schema)));
  }
});

test('docs/errors.md lists exactly the SDK client error codes', () => {
  const rows = [...sdkSection(doc('errors.md')).matchAll(/^\| `([A-Z_]+)` +\| (yes|no) +\|/gm)].map(
    (m) => m[1] ?? '',
  );
  assert.deepEqual(rows.sort(), [...MQ_CLIENT_ERROR_CODES].sort());
});

test('docs/errors.md lists exactly the codes of the error registry, with their retriable flag', () => {
  const rows = [
    ...serverSection(doc('errors.md')).matchAll(/^\| `([A-Z_]+)` +\| (yes|no) +\|/gm),
  ].map((m) => [m[1], m[2] === 'yes']);
  const registry = Object.entries(ErrorRegistry).map(([code, e]) => [code, e.retriable]);
  assert.deepEqual(rows.sort(), registry.sort());
});
