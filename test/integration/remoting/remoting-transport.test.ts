import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { pino } from 'pino';
import { RemotingServer } from '../../../src/remoting/transport/remoting-server.ts';
import { RemotingClient } from '../../../src/remoting/transport/remoting-client.ts';
import {
  createRequest,
  createResponse,
  type RemotingCommand,
} from '../../../src/remoting/protocol/remoting-command.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { ExtFields } from '../../../src/remoting/protocol/headers/ext-fields.ts';
import { latch } from '../../helpers/latch.ts';
import { waitUntil } from '../../helpers/wait-for.ts';
import type { TestContext } from 'node:test';

const logger = pino({ level: 'silent' });

async function startServer(
  t: TestContext,
  maxPendingRequests = 1024,
): Promise<{ server: RemotingServer; addr: string }> {
  const server = new RemotingServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    maxPendingRequests,
    maxFrameBytes: 64 * 1024,
  });
  server.registerProcessor(1000, (req) =>
    createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      { echo: req.extFields?.v ?? '' },
      req.body,
    ),
  );
  await server.start();
  t.after(() => server.shutdown());
  return { server, addr: `127.0.0.1:${server.port}` };
}

function client(t: TestContext): RemotingClient {
  const c = new RemotingClient({ logger, connectTimeoutMs: 1000 });
  t.after(() => c.shutdown());
  return c;
}

test('RemotingServer answers by opaque and keeps the connection after an unknown request code', async (t) => {
  const { addr } = await startServer(t);
  const c = client(t);
  const unknown = await c.invoke(addr, createRequest(4242, 0), 1000);
  assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.match(unknown.remark ?? '', /request code 4242 is not supported/);
  const ok = await c.invoke(addr, createRequest(1000, 0, { v: 'hi' }, Buffer.from('body')), 1000);
  assert.equal(ok.code, ResponseCode.SUCCESS);
  assert.equal(ok.extFields?.echo, 'hi');
  assert.equal(ok.body?.toString(), 'body');
});

test('RemotingServer answers a ROCKETMQ-encoded request in the same encoding', async (t) => {
  const { addr } = await startServer(t);
  const res = await client(t).invoke(
    addr,
    createRequest(1000, 0, { v: 'bin' }, undefined, 1),
    1000,
  );
  assert.equal(res.serializeType, 1);
  assert.equal(res.extFields?.echo, 'bin');
});

test('a slow request does not hold back a fast one on the same connection', async (t) => {
  const { server, addr } = await startServer(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  server.registerProcessor(1001, async (req) => {
    await gate;
    return createResponse(req, ResponseCode.SUCCESS);
  });
  const c = client(t);
  const slow = c.invoke(addr, createRequest(1001, 0), 2000);
  const fast = await c.invoke(addr, createRequest(1000, 0, { v: 'fast' }), 2000);
  assert.equal(fast.extFields?.echo, 'fast');
  release();
  assert.equal((await slow).code, ResponseCode.SUCCESS);
});

test('a malformed frame closes only the connection that sent it', async (t) => {
  const { server, addr } = await startServer(t);
  const c = client(t);
  await c.invoke(addr, createRequest(1000, 0, { v: 'a' }), 1000);
  const bad = connect({ host: '127.0.0.1', port: server.port });
  const closed = new Promise<void>((r) => bad.on('close', () => r()));
  bad.on('error', () => undefined);
  bad.write(Buffer.from('000000080700000000000000', 'hex'));
  await closed;
  const again = await c.invoke(addr, createRequest(1000, 0, { v: 'b' }), 1000);
  assert.equal(again.extFields?.echo, 'b');
});

test('an oversized frame is refused by closing its connection', async (t) => {
  const { server } = await startServer(t);
  const sock = connect({ host: '127.0.0.1', port: server.port });
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  sock.on('error', () => undefined);
  const head = Buffer.alloc(8);
  head.writeInt32BE(1024 * 1024, 0);
  sock.write(head);
  await closed;
});

test('RemotingClient times out, fails pending requests when the server goes, and reconnects', async (t) => {
  const { server, addr } = await startServer(t);
  server.registerProcessor(1002, () => new Promise<RemotingCommand>(() => undefined));
  const c = client(t);
  await assert.rejects(c.invoke(addr, createRequest(1002, 0), 100), /timed out after 100 ms/);
  const pending = c.invoke(addr, createRequest(1002, 0), 5000);
  await c.closeConnection(addr);
  await assert.rejects(
    pending,
    (err: Error & { code?: string }) => err.code === 'REMOTING_CONNECTION_CLOSED',
  );
  const res = await c.invoke(addr, createRequest(1000, 0, { v: 'back' }), 1000);
  assert.equal(res.extFields?.echo, 'back');
  await assert.rejects(
    c.invoke('127.0.0.1:1', createRequest(1000, 0), 500),
    /Cannot connect to 127.0.0.1:1/,
  );
});

test('a connection handles at most maxPendingRequests requests at once and serves the rest after', async (t) => {
  const { server, addr } = await startServer(t, 2);
  let inHand = 0;
  let peak = 0;
  const started = latch(2, 2000, 'first two handlers');
  const releases: (() => void)[] = [];
  server.registerProcessor(1003, async (req) => {
    inHand++;
    peak = Math.max(peak, inHand);
    started.countDown();
    await new Promise<void>((r) => releases.push(r));
    inHand--;
    return createResponse(req, ResponseCode.SUCCESS);
  });
  const c = client(t);
  const all = Array.from({ length: 10 }, () => c.invoke(addr, createRequest(1003, 0), 5000));
  await started.done;
  for (let answered = 0; answered < 10; answered++) {
    await waitUntil(
      () => releases.length > 0,
      5000,
      `request ${answered + 1} of 10 reaches a handler`,
    );
    releases.shift()?.();
  }
  const results = await Promise.all(all);
  assert.equal(results.length, 10);
  assert.equal(peak, 2);
});

test('a one-way request gets no response', async (t) => {
  const { server, addr } = await startServer(t);
  const seen = latch(1, 1000, 'one-way request');
  server.registerProcessor(1004, (req) => {
    seen.countDown();
    return createResponse(req, ResponseCode.SUCCESS);
  });
  const c = client(t);
  await c.invokeOneway(addr, createRequest(1004, 0));
  await seen.done;
  // The connection still works and no stray response confused it.
  assert.equal(
    (await c.invoke(addr, createRequest(1000, 0, { v: 'x' }), 1000)).extFields?.echo,
    'x',
  );
});

test('a request with a bad header field is answered SYSTEM_ERROR naming the field and logged at warn without a stack; a handler fault at error with one', async (t) => {
  const lines: { level: number; msg: string; reason?: string; err?: { stack?: string } }[] = [];
  const captured = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as (typeof lines)[number]);
      },
    },
  );
  const server = new RemotingServer({ port: 0, host: '127.0.0.1', logger: captured });
  server.registerProcessor(1001, (req) => {
    const h = new ExtFields(req.extFields);
    return createResponse(req, ResponseCode.SUCCESS, `${h.string('topic')} ${h.int('queueId')}`);
  });
  server.registerProcessor(1002, () => {
    throw new Error('a bug of the broker');
  });
  await server.start();
  t.after(() => server.shutdown());
  const addr = `127.0.0.1:${server.port}`;
  const c = client(t);

  const missing = await c.invoke(addr, createRequest(1001, 0, { queueId: '1' }), 1000);
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  assert.match(missing.remark ?? '', /"topic" is missing/);
  const wrongType = await c.invoke(
    addr,
    createRequest(1001, 0, { topic: 'T', queueId: 'x' }),
    1000,
  );
  assert.equal(wrongType.code, ResponseCode.SYSTEM_ERROR);
  assert.match(wrongType.remark ?? '', /"queueId" is not an integer: "x"/);
  const fault = await c.invoke(addr, createRequest(1002, 0), 1000);
  assert.equal(fault.code, ResponseCode.SYSTEM_ERROR);
  const ok = await c.invoke(addr, createRequest(1001, 0, { topic: 'T', queueId: '2' }), 1000);
  assert.equal(ok.remark, 'T 2', 'the connection keeps serving');

  const warns = lines.filter((l) => l.level === 40);
  const errors = lines.filter((l) => l.level === 50);
  assert.deepEqual(
    warns.map((l) => [l.reason, l.err]),
    [
      ['The custom field "topic" is missing', undefined],
      ['The custom field "queueId" is not an integer: "x"', undefined],
    ],
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.err?.stack ?? '', /a bug of the broker\n\s+at /);
});
