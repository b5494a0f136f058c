import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeProperties,
  encodeProperties,
  replaceProperties,
} from '../../../src/common/message/message-properties.ts';
import { readSendProperties } from '../../../src/broker/operations/send-properties.ts';

test('the send path reads tags, keys, id, transaction flag, delay, timer, cluster and reply-to from one scan', () => {
  const text = encodeProperties(
    new Map([
      ['TAGSX', 'not-a-tag'],
      ['TAGS', 'TagA'],
      ['KEYS', 'k1 k2'],
      ['UNIQ_KEY', 'ID1'],
      ['TRAN_MSG', 'true'],
      ['DELAY', '3'],
      ['TIMER_DELAY_MS', '500'],
      ['TIMER_DELAY_SEC', '7'],
      ['CLUSTER', 'C1'],
      ['REPLY_TO_CLIENT', 'client-1'],
      ['custom', 'x'],
    ]),
  );
  assert.deepEqual(readSendProperties(text), {
    cluster: 'C1',
    region: undefined,
    traceOn: undefined,
    replyToClient: 'client-1',
    tags: 'TagA',
    keys: 'k1 k2',
    uniqKey: 'ID1',
    transactionPrepared: true,
    delayLevel: '3',
    // TIMER_DELAY_SEC wins over TIMER_DELAY_MS, as TIMER_DELIVER_MS would over both.
    timer: { name: 'TIMER_DELAY_SEC', value: '7' },
  });
  assert.deepEqual(readSendProperties(`${text}TIMER_DELIVER_MS\u000142\u0002`).timer, {
    name: 'TIMER_DELIVER_MS',
    value: '42',
  });
});

test('the send properties of a message without them are empty, and a repeated name counts once, first', () => {
  assert.deepEqual(readSendProperties(''), {
    cluster: undefined,
    region: undefined,
    traceOn: undefined,
    replyToClient: undefined,
    tags: undefined,
    keys: undefined,
    uniqKey: undefined,
    transactionPrepared: false,
    delayLevel: undefined,
    timer: undefined,
  });
  const repeated = 'TAGS\u0001first\u0002TAGS\u0001second\u0002TRAN_MSG\u0001false';
  assert.equal(readSendProperties(repeated).tags, 'first');
  assert.equal(readSendProperties(repeated).transactionPrepared, false);
});

test('replaceProperties sets names in place of their old pairs and keeps every other pair', () => {
  const text = encodeProperties(
    new Map([
      ['A', '1'],
      ['DELAY', '30'],
      ['B', '2'],
    ]),
  );
  const out = replaceProperties(text, [
    ['DELAY', '18'],
    ['REAL_TOPIC', 'T'],
  ]);
  assert.deepEqual(
    [...decodeProperties(out)],
    [
      ['A', '1'],
      ['B', '2'],
      ['DELAY', '18'],
      ['REAL_TOPIC', 'T'],
    ],
  );
  assert.ok(out.endsWith('\u0002'));
  // No trailing separator on the input, as some clients send it.
  assert.equal(replaceProperties('A\u00011', [['B', '2']]), 'A\u00011\u0002B\u00012\u0002');
});
