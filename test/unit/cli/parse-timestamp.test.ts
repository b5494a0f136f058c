import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimestamp } from '../../../src/cli/commands/admin/format.ts';
import { UsageError } from '../../../src/cli/usage-error.ts';

test('mqadmin timestamps: now, epoch ms, -1 and local yyyy-MM-dd#HH:mm:ss:SSS', () => {
  const before = Date.now();
  const now = parseTimestamp('now');
  assert.ok(now >= before && now <= Date.now());
  assert.equal(parseTimestamp('1700000000123'), 1700000000123);
  assert.equal(parseTimestamp('-1'), -1);
  assert.equal(
    parseTimestamp('2024-03-05#07:08:09:010'),
    new Date(2024, 2, 5, 7, 8, 9, 10).getTime(),
  );
});

test('a timestamp that is not one is a usage error naming it', () => {
  for (const bad of [
    'soon',
    '2024-02-30#00:00:00:000',
    '2024-03-05 07:08:09',
    '2024-03-05#25:00:00:000',
  ])
    assert.throws(
      () => parseTimestamp(bad),
      (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, new RegExp(`"${bad}" is not a timestamp`));
        return true;
      },
    );
});
