import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProperties } from '../../../../src/common/config/properties-parser.ts';
import { resolveStoreConfig } from '../../../../src/store/store-config.ts';

test('parses Java .properties text: separators, comments, continuations and escapes', () => {
  const p = parseProperties(
    '# comment\n! also\nbrokerName = broker-a\nlistenPort:10911\nflushDiskType SYNC_FLUSH\nlong=a\\\n   b\npath=C\\:\\\\x\nuni=\\u0041\n',
  );
  assert.deepEqual(Object.fromEntries(p), {
    brokerName: 'broker-a',
    listenPort: '10911',
    flushDiskType: 'SYNC_FLUSH',
    long: 'ab',
    path: 'C:\\x',
    uni: 'A',
  });
});

test('layers settings over RocketMQ defaults and freezes the result', () => {
  const config = resolveStoreConfig([
    { flushDiskType: 'SYNC_FLUSH' },
    new Map([['fileReservedTime', '48']]),
  ]);
  assert.equal(config.flushDiskType, 'SYNC_FLUSH');
  assert.equal(config.fileReservedTime, 48);
  assert.equal(config.mappedFileSizeCommitLog, 1073741824);
  assert.equal(config.mappedFileSizeConsumeQueue, 6000000);
  assert.equal(config.deleteWhen, '04');
  assert.ok(Object.isFrozen(config));
});

test('rejects an unknown key with a suggestion, and a bad value naming the key', () => {
  assert.throws(
    () => resolveStoreConfig([{ flushDiskTpye: 'SYNC_FLUSH' }]),
    /Unknown config key "flushDiskTpye": did you mean "flushDiskType"\?/,
  );
  assert.throws(
    () => resolveStoreConfig([{ flushDiskType: 'SOMETIMES' }]),
    /Invalid value for "flushDiskType": expected one of ASYNC_FLUSH, SYNC_FLUSH/,
  );
  assert.throws(
    () => resolveStoreConfig([{ maxMessageSize: 'big' }]),
    /Invalid value for "maxMessageSize": expected an integer, got "big"/,
  );
});

test('reports accepted-but-ignored RocketMQ keys once through the callback', () => {
  const ignored: string[] = [];
  resolveStoreConfig([{ transientStorePoolEnable: 'true' }], {
    onIgnoredKey: (k) => ignored.push(k),
  });
  assert.deepEqual(ignored, ['transientStorePoolEnable']);
});
