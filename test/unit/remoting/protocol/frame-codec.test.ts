import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  encodeFrameToBuffer,
  FrameDecoder,
  FrameError,
} from '../../../../src/remoting/protocol/frame-codec.ts';
import {
  createRequest,
  createResponse,
  type RemotingCommand,
} from '../../../../src/remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../../../src/remoting/protocol/request-code.ts';

const fixture = (name: string): Buffer =>
  Buffer.from(
    readFileSync(new URL(`../../../fixtures/wire/${name}`, import.meta.url), 'utf8').replace(
      /\s/g,
      '',
    ),
    'hex',
  );

const jsonRequest = (): RemotingCommand => ({
  ...createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, 7, { topic: 'T' }),
  version: 121,
});

test('encodes a JSON request frame as the golden bytes: length, type 0 + header length, header, body', () => {
  const frame = encodeFrameToBuffer({ ...jsonRequest(), body: Buffer.from('xy') });
  const header =
    '{"code":105,"language":"JAVA","version":121,"opaque":7,"flag":0,"extFields":{"topic":"T"},"serializeTypeCurrentRPC":"JSON"}';
  const expected = Buffer.alloc(8 + header.length + 2);
  expected.writeInt32BE(4 + header.length + 2, 0);
  expected.writeInt32BE(header.length, 4);
  expected.write(header, 8);
  expected.write('xy', 8 + header.length);
  assert.deepEqual(frame, expected);
  assert.deepEqual(frame, fixture('json-get-route.hex'));
});

test('encodes a ROCKETMQ binary response frame as the golden bytes', () => {
  const req = { ...jsonRequest(), serializeType: 1 as const };
  const res = { ...createResponse(req, 17, 'no route', { k: 'v' }), version: 479 };
  // code 17 | lang JAVA 0 | version 479 | opaque 7 | flag 1 | remark len 8 "no route" | ext len 9 | 0001 "k" 00000001 "v"
  const header =
    '0011' +
    '00' +
    '01DF' +
    '00000007' +
    '00000001' +
    '00000008' +
    Buffer.from('no route').toString('hex') +
    '00000008' +
    '0001' +
    '6B' +
    '00000001' +
    '76';
  const headerBytes = Buffer.from(header, 'hex');
  const expected = Buffer.alloc(8);
  expected.writeInt32BE(4 + headerBytes.length, 0);
  expected.writeInt32BE((1 << 24) | headerBytes.length, 4);
  const frame = encodeFrameToBuffer(res);
  assert.deepEqual(frame, Buffer.concat([expected, headerBytes]));
  assert.deepEqual(frame, fixture('rocketmq-route-not-found.hex'));
});

test('decodes both golden frames back to the same commands', () => {
  const [json] = new FrameDecoder().push(fixture('json-get-route.hex'));
  assert.equal(json?.code, 105);
  assert.equal(json?.serializeType, 0);
  assert.deepEqual(json?.extFields, { topic: 'T' });
  assert.equal(json?.body?.toString(), 'xy');
  const [bin] = new FrameDecoder().push(fixture('rocketmq-route-not-found.hex'));
  assert.equal(bin?.code, 17);
  assert.equal(bin?.serializeType, 1);
  assert.equal(bin?.remark, 'no route');
  assert.equal(bin?.flag, 1);
  assert.equal(bin?.version, 479);
  assert.deepEqual(bin?.extFields, { k: 'v' });
  assert.equal(bin?.body, undefined);
});

test('decodes a stream of frames split at every possible point', () => {
  const commands: RemotingCommand[] = [
    { ...jsonRequest(), body: Buffer.from('first body') },
    { ...createRequest(RequestCode.HEART_BEAT, 8, {}, undefined, 1) },
    {
      ...createRequest(RequestCode.SEND_MESSAGE_V2, 9, { b: 'TopicTest', e: '3' }),
      body: Buffer.alloc(300, 0x5a),
    },
  ];
  const stream = Buffer.concat(commands.map(encodeFrameToBuffer));
  for (let a = 0; a <= stream.length; a++) {
    const decoder = new FrameDecoder();
    const got = [...decoder.push(stream.subarray(0, a)), ...decoder.push(stream.subarray(a))];
    assert.equal(got.length, 3, `split at ${a}`);
    assert.deepEqual(
      got.map((c) => c.opaque),
      [7, 8, 9],
    );
    assert.equal(got[2]?.body?.length, 300);
    assert.equal(decoder.pendingBytes, 0);
  }
  // And byte by byte.
  const decoder = new FrameDecoder();
  const got: RemotingCommand[] = [];
  for (let i = 0; i < stream.length; i++) got.push(...decoder.push(stream.subarray(i, i + 1)));
  assert.deepEqual(
    got.map((c) => c.extFields?.b ?? c.code),
    [105, 34, 'TopicTest'],
  );
});

test('accepts JSON numbers and booleans in extFields as their text, as ali-ons sends them', () => {
  const header =
    '{"code":14,"language":"JAVA","version":121,"opaque":3,"flag":0,"extFields":{"queueId":0,"k":false,"commitOffset":-1,"n":null}}';
  const frame = Buffer.alloc(8 + header.length);
  frame.writeInt32BE(4 + header.length, 0);
  frame.writeInt32BE(header.length, 4);
  frame.write(header, 8);
  const [cmd] = new FrameDecoder().push(frame);
  assert.deepEqual(cmd?.extFields, { queueId: '0', k: 'false', commitOffset: '-1' });
});

test('rejects an oversized, a short, a mis-typed or a garbled frame with a FrameError', () => {
  const big = Buffer.alloc(8);
  big.writeInt32BE(2048, 0);
  assert.throws(() => new FrameDecoder(1024).push(big), FrameError);
  assert.throws(() => new FrameDecoder(1024).push(big), /2052 bytes is above the 1024-byte limit/);
  const short = Buffer.from('0000000200000000', 'hex');
  assert.throws(() => new FrameDecoder().push(short), /smaller than its header-info field/);
  const typed = Buffer.from('0000000807000000' + '00000000', 'hex');
  assert.throws(() => new FrameDecoder().push(typed), /Unknown header serialize type 7/);
  const garbled = Buffer.from('00000007' + '00000003' + '7b7b7b', 'hex');
  assert.throws(() => new FrameDecoder().push(garbled), /Cannot decode JSON header/);
  const beyond = Buffer.from('00000006' + '000000ff' + '7b7d', 'hex');
  assert.throws(() => new FrameDecoder().push(beyond), /beyond the frame/);
});
