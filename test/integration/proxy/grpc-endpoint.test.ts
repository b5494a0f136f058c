import { selfSignedCertificate } from '../../helpers/tls-certificate.ts';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import assert from 'node:assert/strict';
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
} from '@grpc/grpc-js';
import { AdminClient } from '../../../src/admin/admin-client.ts';
import { messagingServiceDefinition } from '../../../src/proxy/grpc/proto-definition.ts';
import { GrpcServer } from '../../../src/proxy/grpc/grpc-server.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';
import { startGrpc } from '../../helpers/start-grpc.ts';
import { call, rawClient, type Unary } from '../../helpers/grpc-raw.ts';

const statusOf = (res: Record<string, unknown>): { code: string; message: string } =>
  res.status as { code: string; message: string };

test('gRPC endpoint: routes carry the topic message type; sends of another type, blank ids and unknown topics get v2 codes with remarks', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const client = rawClient(endpoint);
  t.after(() => client.close());
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  t.after(() => admin.shutdown());
  const fifo = uniqueName('RawFifo');
  await admin.updateTopic([cluster.brokerAddr], {
    topic: fifo,
    readQueueNums: 2,
    writeQueueNums: 2,
    attributes: '+message.type=FIFO',
  });
  await assert.rejects(
    admin.updateTopic([cluster.brokerAddr], {
      topic: uniqueName('Bad'),
      attributes: '+message.type=FAST',
    }),
    /message\.type=FAST is not one of NORMAL, FIFO, DELAY, TRANSACTION, MIXED/,
  );

  const route = await call(client, 'QueryRoute', {
    topic: { name: fifo },
    endpoints: { addresses: [{ host: '127.0.0.1', port: 1 }] },
  });
  assert.equal(statusOf(route).code, 'OK');
  const queues = route.messageQueues as {
    id: number;
    permission: string;
    acceptMessageTypes: string[];
    broker: { id: number; endpoints: { addresses: unknown[] } };
  }[];
  assert.deepEqual(
    queues.map((q) => q.id),
    [0, 1],
  );
  assert.ok(queues.every((q) => q.permission === 'READ_WRITE' && q.broker.id === 0));
  assert.deepEqual(queues[0]?.acceptMessageTypes, ['FIFO']);
  assert.equal(queues[0]?.broker.endpoints.addresses.length, 1, 'one address per broker');

  const unknown = await call(client, 'QueryRoute', { topic: { name: 'NoSuchTopic' } });
  assert.equal(statusOf(unknown).code, 'TOPIC_NOT_FOUND');
  assert.match(statusOf(unknown).message, /NoSuchTopic/);

  const message = (over: Record<string, unknown>) => ({
    topic: { name: fifo },
    body: Buffer.from('x'),
    userProperties: {},
    systemProperties: { messageId: '01AB', messageType: 'NORMAL', ...over },
  });
  const wrongType = await call(client, 'SendMessage', { messages: [message({})] });
  assert.equal(statusOf(wrongType).code, 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE');
  assert.match(statusOf(wrongType).message, /accepts FIFO messages, not NORMAL/);
  const blankId = await call(client, 'SendMessage', {
    messages: [message({ messageId: ' ', messageType: 'FIFO', messageGroup: 'g' })],
  });
  assert.equal(statusOf(blankId).code, 'ILLEGAL_MESSAGE_ID');
  const reserved = await call(client, 'SendMessage', {
    messages: [
      { ...message({ messageType: 'FIFO', messageGroup: 'g' }), userProperties: { UNIQ_KEY: 'x' } },
    ],
  });
  assert.equal(statusOf(reserved).code, 'ILLEGAL_MESSAGE_PROPERTY_KEY');
  const ok = await call(client, 'SendMessage', {
    messages: [message({ messageType: 'FIFO', messageGroup: 'g' })],
  });
  assert.equal(statusOf(ok).code, 'OK');
  assert.equal((ok.entries as { messageId: string }[])[0]?.messageId, '01AB');

  const noClientId = await call(client, 'Heartbeat', { clientType: 'PRODUCER' }, '');
  assert.equal(statusOf(noClientId).code, 'CLIENT_ID_REQUIRED');
  const badHandle = await call(client, 'AckMessage', {
    group: { name: 'G' },
    topic: { name: fifo },
    entries: [{ messageId: '01AB', receiptHandle: 'nonsense' }],
  });
  assert.equal(statusOf(badHandle).code, 'INVALID_RECEIPT_HANDLE');
  const lite = await call(client, 'SyncLiteSubscription', {});
  assert.equal(statusOf(lite).code, 'NOT_IMPLEMENTED');
});

test('gRPC namespaces: x-mq-namespace names resources "namespace%name" inside the broker', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const client = rawClient(endpoint);
  t.after(() => client.close());
  const topic = uniqueName('NsTopic');
  await cluster.createTopic(`tenant1%${topic}`, 1);
  const md = new Metadata();
  md.set('x-mq-client-id', 'ns-client');
  md.set('x-mq-namespace', 'tenant1');
  const route = await new Promise<Record<string, unknown>>((resolve, reject) =>
    (client.QueryRoute as Unary).call(client, { topic: { name: topic } }, md, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
  assert.equal(statusOf(route).code, 'OK');
  const q = (route.messageQueues as { topic: { name: string; resourceNamespace: string } }[])[0];
  assert.deepEqual(q?.topic, { resourceNamespace: 'tenant1', name: topic });
});

test('gRPC over TLS and plaintext on the same port when a certificate is configured', async (t) => {
  const cluster = await startCluster(t);
  const dir = tempDir(t, 'rmq-grpc-tls-');
  const { certPath, keyPath } = selfSignedCertificate(dir);
  const cert = readFileSync(certPath);
  const server = new GrpcServer({
    operations: cluster.broker.operations,
    cluster: cluster.broker.cluster,
    port: 0,
    host: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    tls: { cert, key: readFileSync(keyPath) },
    logger: pino({ level: 'silent' }),
  });
  await server.start();
  cluster.onStop(() => server.shutdown());
  const topic = uniqueName('TlsTopic');
  await cluster.createTopic(topic, 1);
  const Ctor = makeGenericClientConstructor(messagingServiceDefinition(), 'MessagingService');
  const secure = new Ctor(
    `127.0.0.1:${server.port}`,
    credentials.createSsl(cert),
  ) as unknown as Client & Record<string, Unary>;
  const plain = rawClient(`127.0.0.1:${server.port}`);
  t.after(() => {
    secure.close();
    plain.close();
  });
  for (const client of [secure, plain]) {
    const route = await call(client, 'QueryRoute', { topic: { name: topic } });
    assert.equal(statusOf(route).code, 'OK');
  }
});

test('gRPC Telemetry opened with a deadline decades away (as the Java client does) lives on past its first poll', async (t) => {
  const cluster = await startCluster(t);
  const { endpoint } = await startGrpc(cluster);
  const topic = uniqueName('FarDeadline');
  await cluster.createTopic(topic, 1);
  const client = rawClient(endpoint) as unknown as Client & {
    Telemetry(md: Metadata, options: { deadline: number }): ClientDuplexStream<unknown, unknown>;
    ReceiveMessage(req: unknown, md: Metadata): ClientReadableStream<Record<string, unknown>>;
  };
  t.after(() => client.close());
  const md = new Metadata();
  md.set('x-mq-client-id', 'far-deadline-client');
  // rocketmq-client-java: 60 * 365 days, sent as grpc-timeout "31536000M"; grpc-js alone would
  // arm a wrapped-around timer and end the stream within a millisecond.
  const stream = client.Telemetry(md, { deadline: Date.now() + 60 * 365 * 86_400_000 });
  const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
  // As the Java client, poll before Settings: an empty 100 ms long poll outlasts such a timer.
  const poll = client.ReceiveMessage(
    {
      group: { name: uniqueName('GID') },
      messageQueue: { topic: { name: topic }, id: 0, broker: { name: 'broker-a' } },
      filterExpression: { type: 'TAG', expression: '*' },
      batchSize: 1,
      invisibleDuration: { seconds: 10, nanos: 0 },
      longPollingTimeout: { seconds: 0, nanos: 100_000_000 },
    },
    md,
  );
  const answers: Record<string, unknown>[] = [];
  await new Promise<void>((resolve, reject) => {
    poll.on('data', (d: Record<string, unknown>) => answers.push(d));
    poll.once('end', resolve);
    poll.once('error', reject);
  });
  assert.equal((answers[0]?.status as { code: string } | undefined)?.code, 'MESSAGE_NOT_FOUND');
  const reply = new Promise<Record<string, unknown>>((resolve) => stream.once('data', resolve));
  stream.write({ settings: { clientType: 'PRODUCER', publishing: { topics: [{ name: topic }] } } });
  const first = await Promise.race([reply, failed]);
  if (first instanceof Error) assert.fail(`the stream ended: ${first.message}`);
  assert.equal((first.status as { code: string }).code, 'OK');
  assert.ok(first.settings, 'the Settings reply');
  const ended = new Promise<void>((resolve) => stream.once('end', resolve));
  stream.on('error', () => undefined);
  stream.end();
  await ended;
});
