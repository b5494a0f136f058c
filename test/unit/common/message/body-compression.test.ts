import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import { decompressBody } from '../../../../src/common/message/body-compression.ts';
import { MessageSysFlag } from '../../../../src/common/constants/message-sys-flag.ts';

const body = Buffer.from('rocketmq-ts '.repeat(500));
const { COMPRESSED_FLAG, COMPRESSION_LZ4_TYPE, COMPRESSION_ZLIB_TYPE } = MessageSysFlag;

test('a body is decompressed by its sysflag compression type; an uncompressed one is left as it is', () => {
  assert.equal(decompressBody(body, 0), body);
  assert.deepEqual(
    decompressBody(deflateSync(body), COMPRESSED_FLAG),
    body,
    'no type: ZLIB, as 4.x',
  );
  assert.deepEqual(
    decompressBody(deflateSync(body), COMPRESSED_FLAG | COMPRESSION_ZLIB_TYPE),
    body,
  );
  assert.deepEqual(
    decompressBody(compressFrameSync(body), COMPRESSED_FLAG | COMPRESSION_LZ4_TYPE),
    body,
  );
});

test('an unknown compression type is an error naming it', () => {
  assert.throws(
    () => decompressBody(body, COMPRESSED_FLAG | 0x400),
    /unknown body compression type 0x400/,
  );
});
