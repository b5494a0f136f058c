import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeResetOffsetBody,
  encodeResetOffsetBody,
} from '../../../../src/common/protocol-data/reset-offset-body.ts';

const entry = (topic: string, queueId: number, offset: number) => ({
  messageQueue: { topic, brokerName: 'broker-a', queueId },
  offset,
});

test('ResetOffsetBody is written as fastjson writes a Map<MessageQueue, Long>, and round-trips', () => {
  const table = [entry('T', 0, 3), entry('T', 1, 12)];
  assert.equal(
    encodeResetOffsetBody(table).toString(),
    '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:3,' +
      '{"brokerName":"broker-a","queueId":1,"topic":"T"}:12}}',
  );
  assert.deepEqual(decodeResetOffsetBody(encodeResetOffsetBody(table)), table);
  assert.deepEqual(decodeResetOffsetBody(undefined), []);
});

test('ResetOffsetBody still reads the list form earlier versions sent', () => {
  const table = [entry('T', 0, 3)];
  assert.deepEqual(
    decodeResetOffsetBody(Buffer.from(JSON.stringify({ offsetTable: table }))),
    table,
  );
});

test("ResetOffsetBody decodes a Java broker's fastjson form with object keys", () => {
  const java = Buffer.from(
    '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:3,' +
      '{"brokerName":"broker-a","queueId":1,"topic":"T\\"x"}:12}}',
  );
  assert.deepEqual(decodeResetOffsetBody(java), [entry('T', 0, 3), entry('T"x', 1, 12)]);
});

test('ResetOffsetBody refuses a body that is neither form', () => {
  assert.throws(() => decodeResetOffsetBody(Buffer.from('{"offsetTable":5}')), /not a map/);
  assert.throws(() => decodeResetOffsetBody(Buffer.from('{oops')), /Cannot parse/);
});
