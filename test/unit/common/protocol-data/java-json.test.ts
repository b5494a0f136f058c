import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mapEntries,
  parseJavaJson,
  stringifyJavaJson,
} from '../../../../src/common/protocol-data/java-json.ts';

test('a Map with object keys is written with the objects as keys, as fastjson does', () => {
  const table = new Map([[{ brokerName: 'b', queueId: 0, topic: 't' }, { maxOffset: 5 }]]);
  assert.equal(
    stringifyJavaJson({ offsetTable: table, consumeTps: 1.5, list: [1, 'x'], none: undefined }),
    '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:{"maxOffset":5}},"consumeTps":1.5,"list":[1,"x"]}',
  );
  assert.equal(stringifyJavaJson(new Map([['k', 1]])), '{"k":1}');
});

test('fastjson bodies parse: object keys give a Map; string and number keys an object', () => {
  const v = parseJavaJson(
    '{"offsetTable":{{"topic":"t\\"q","queueId":1}:7},"brokerAddrs":{0:"a:1"},"s":{"a":[true,null,-1.5e3]}}',
  ) as Record<string, unknown>;
  assert.deepEqual(mapEntries(v.offsetTable), [[{ topic: 't"q', queueId: 1 }, 7]]);
  assert.deepEqual(v.brokerAddrs, { '0': 'a:1' });
  assert.deepEqual(v.s, { a: [true, null, -1500] });
  assert.deepEqual(parseJavaJson(' {} '), {});
});

test('a malformed body is a SyntaxError naming the offset', () => {
  assert.throws(() => parseJavaJson('{"a":}'), /unexpected "}" at offset 5/);
  assert.throws(() => parseJavaJson('{"a":1} x'), /after the value/);
  assert.throws(() => parseJavaJson('"abc'), /unterminated/);
});
