import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '@grpc/grpc-js';
import { grpcTimeoutMs, ignoreFarDeadlines } from '../../../../src/proxy/grpc/far-deadlines.ts';

test('grpc-timeout values are read in every unit, malformed ones as undefined', () => {
  assert.equal(grpcTimeoutMs('31536000M'), 31_536_000 * 60_000);
  assert.equal(grpcTimeoutMs('3H'), 3 * 3_600_000);
  assert.equal(grpcTimeoutMs('5000m'), 5000);
  assert.equal(grpcTimeoutMs('7S'), 7000);
  assert.equal(grpcTimeoutMs('2000u'), 2);
  assert.equal(grpcTimeoutMs('123456789S'), undefined, 'at most 8 digits');
  assert.equal(grpcTimeoutMs('10X'), undefined);
  assert.equal(grpcTimeoutMs(''), undefined);
});

test('a deadline past what Node timers reach is dropped before grpc-js reads it; nearer ones stay', () => {
  const server = new Server();
  const seen: Record<string, unknown>[] = [];
  const handlers = server as unknown as Record<
    string,
    (extra: unknown, stream: unknown, headers: Record<string, unknown>) => void
  >;
  handlers._streamHandler = (_e, _s, headers) => seen.push({ ...headers });
  handlers._channelzHandler = (_e, _s, headers) => seen.push({ ...headers });
  ignoreFarDeadlines(server);
  handlers._channelzHandler?.([], {}, { ':path': '/a', 'grpc-timeout': '31536000M' });
  handlers._streamHandler?.([], {}, { ':path': '/b', 'grpc-timeout': '24H' });
  assert.deepEqual(seen, [{ ':path': '/a' }, { ':path': '/b', 'grpc-timeout': '24H' }]);
});

test('the guard fails loudly when grpc-js no longer has the handlers it wraps', () => {
  const server = new Server();
  (server as unknown as Record<string, unknown>)._streamHandler = undefined;
  assert.throws(() => ignoreFarDeadlines(server), /no _streamHandler/);
});
