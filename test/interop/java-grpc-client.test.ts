/**
 * Interop with RocketMQ's own Java gRPC client (org.apache.rocketmq:rocketmq-client-java, the
 * RocketMQ 5 SDK, from Maven Central, unmodified) against `rmq start`'s gRPC endpoint, over
 * plaintext and over TLS (the client's default; it accepts any server certificate, so a
 * self-signed one is enough). The scenario drivers are in java/grpc-client/src/GrpcScenarios.java;
 * each prints JSON lines checked here. Two scenarios of each transport run at a time (four JVMs),
 * which halves the suite on two cores.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { launchStandalone, stop } from '../../bench/bench-util.ts';
import { AdminClient } from '../../src/admin/admin-client.ts';
import { uniqueName } from '../helpers/start-cluster.ts';
import { buildJavaSuite, runJava, succeededRun } from '../helpers/java-toolchain.ts';
import { selfSignedCertificate } from '../helpers/tls-certificate.ts';

/** The newest rocketmq-client-java Maven Central serves here. */
const VERSION = '5.2.0';
const TRANSPORTS = ['plain', 'tls'] as const;
type Transport = (typeof TRANSPORTS)[number];

let server: { child: ChildProcess; broker: string; namesrv: string; grpc: string } | undefined;
let suite: ReturnType<typeof buildJavaSuite> | undefined;
let root = '';
let admin: AdminClient | undefined;

before(async () => {
  // Built first, while nothing is in flight: mvn and javac run synchronously and would stall
  // the concurrent tests' admin calls past their timeouts.
  suite = buildJavaSuite('grpc-client', { 'rocketmq.client.version': VERSION });
  root = mkdtempSync(join(tmpdir(), 'rmq-java-grpc-'));
  const { certPath, keyPath } = selfSignedCertificate(root);
  server = await launchStandalone(join(root, 'store'), [
    `--grpcTlsCertPath=${certPath}`,
    `--grpcTlsKeyPath=${keyPath}`,
    '--transactionTimeOut=500',
    '--transactionCheckInterval=500',
    // A PushConsumer's close waits out its receive in flight: keep the long polls short.
    '--brokerSuspendMaxTimeMillis=2000',
  ]);
  admin = new AdminClient({ namesrvAddr: server.namesrv });
});

after(async () => {
  await admin?.shutdown();
  if (server) await stop(server.child);
  rmSync(root, { recursive: true, force: true });
});

interface Sent {
  sent: string;
  n: string;
  messageId: string;
  messageGroup?: string;
  due?: number;
  resolution?: string;
}

interface Received {
  received: string;
  topic: string;
  body: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  messageGroup: string | null;
  deliveryTimestamp: number | null;
  deliveryAttempt: number;
  bornHost: string;
  receivedAt: number;
}

const sent = (events: Record<string, unknown>[]): Sent[] =>
  events.filter((e) => 'sent' in e) as unknown as Sent[];
const received = (events: Record<string, unknown>[]): Received[] =>
  events.filter((e) => 'received' in e) as unknown as Received[];
const afterAck = (events: Record<string, unknown>[]): unknown =>
  events.find((e) => 'afterAck' in e)?.afterAck;

/** A topic with its message.type attribute, as the 5.x clients require for FIFO, delay, transactions. */
async function typedTopic(prefix: string, type: string): Promise<string> {
  if (!server || !admin) throw new Error('the server did not start');
  const topic = uniqueName(prefix);
  await admin.updateTopic([server.broker], {
    topic,
    readQueueNums: 4,
    writeQueueNums: 4,
    attributes: `+message.type=${type}`,
  });
  return topic;
}

/** Runs one scenario of the driver; throws with its output when it fails. */
async function scenario(
  name: string,
  transport: Transport,
  topic: string,
  group: string,
  count: number,
  extra = '',
): Promise<Record<string, unknown>[]> {
  if (!server || !suite) throw new Error('the server did not start');
  const args = [name, server.grpc, transport, topic, group, String(count)];
  if (extra) args.push(extra);
  const run = await runJava(suite, 'GrpcScenarios', args, { timeoutMs: 60000 });
  return succeededRun(run, `${name} over ${transport} with rocketmq-client-java ${VERSION}`);
}

describe(`rocketmq-client-java ${VERSION}`, { concurrency: TRANSPORTS.length }, () => {
  for (const transport of TRANSPORTS) {
    describe(transport === 'tls' ? 'over TLS' : 'over plaintext', () => {
      test('a Producer sends NORMAL messages with tag, keys and properties; a SimpleConsumer receives and acks each once, ids as sent', async () => {
        const topic = await typedTopic('JGrpcNormal', 'NORMAL');
        const events = await scenario('normal', transport, topic, uniqueName('GID'), 8);
        const ids = new Map(sent(events).map((s) => [s.messageId, s.n]));
        assert.equal(ids.size, 8);
        const got = received(events);
        const host = events.find((e) => 'clientHost' in e)?.clientHost;
        assert.deepEqual(
          got.map((m) => m.received).sort(),
          [...ids.keys()].sort(),
          'each message once, with the id the producer made',
        );
        for (const m of got) {
          const i = Number(ids.get(m.received));
          assert.equal(m.topic, topic);
          assert.equal(m.body, `normal-${i}`);
          assert.equal(m.tag, i % 2 === 0 ? 'TagA' : 'TagB');
          assert.deepEqual(m.keys.sort(), [`alt-${i}`, `normal-key-${i}`]);
          assert.deepEqual(m.properties, { kind: 'normal', n: String(i) });
          assert.equal(m.messageGroup, null);
          assert.equal(m.deliveryAttempt, 1);
          assert.equal(m.bornHost, host, 'the born host the producer sent');
        }
        assert.equal(afterAck(events), 0, 'acknowledged messages do not come again');
      });

      test('FIFO messages of three message groups are received in send order within each group', async () => {
        const topic = await typedTopic('JGrpcFifo', 'FIFO');
        const group = uniqueName('GID');
        await admin?.updateSubGroup([server?.broker ?? ''], {
          groupName: group,
          consumeMessageOrderly: true,
        });
        const events = await scenario('fifo', transport, topic, group, 12);
        assert.equal(sent(events).length, 12);
        const got = received(events);
        assert.equal(got.length, 12, 'each message once');
        for (let g = 0; g < 3; g++) {
          const steps = got
            .filter((m) => m.messageGroup === `group-${g}`)
            .map((m) => m.body.replace(`group-${g}-step-`, ''));
          assert.deepEqual(steps, ['0', '1', '2', '3'], `group-${g} in order`);
        }
        assert.equal(afterAck(events), 0);
      });

      test('DELAY messages with a delivery timestamp arrive no earlier than due, carrying it; a recalled one never', async () => {
        const topic = await typedTopic('JGrpcDelay', 'DELAY');
        const events = await scenario('delay', transport, topic, uniqueName('GID'), 3, '1500');
        const delayed = sent(events).filter((s) => s.sent === 'delay');
        const due = new Map(delayed.map((s) => [s.messageId, Number(s.due)]));
        const recalled = sent(events).find((s) => s.sent === 'recalled');
        assert.equal(
          events.find((e) => 'recalled' in e)?.recalled,
          recalled?.messageId,
          'RecallMessage answers with the message id',
        );
        const got = received(events);
        assert.deepEqual(got.map((m) => m.received).sort(), [...due.keys()].sort());
        for (const m of got) {
          const at = due.get(m.received) ?? Infinity;
          assert.equal(m.deliveryTimestamp, at, 'the requested delivery time');
          assert.ok(m.receivedAt >= at, `${m.body} came ${at - m.receivedAt} ms before it was due`);
        }
        assert.equal(afterAck(events), 0, 'the recalled message never comes');
        const lastPollEnd = Number(events.find((e) => 'afterAck' in e)?.at);
        assert.ok(
          lastPollEnd > Number(recalled?.due) + 500,
          `the last receive ended ${lastPollEnd - Number(recalled?.due)} ms after the recalled message was due`,
        );
      });

      test('TRANSACTION messages: commits are delivered, rollbacks never, and open ones are resolved by the TransactionChecker', async () => {
        const topic = await typedTopic('JGrpcTx', 'TRANSACTION');
        const events = await scenario('transaction', transport, topic, uniqueName('GID'), 6);
        assert.deepEqual(
          events
            .filter((e) => 'checked' in e)
            .map((e) => e.checked)
            .sort(),
          ['2', '5'],
          'the broker asked the checker about exactly the open ones',
        );
        const checkedIds = events.filter((e) => 'checked' in e).map((e) => e.messageId);
        const openIds = sent(events)
          .filter((s) => s.resolution === 'unknown')
          .map((s) => s.messageId);
        assert.deepEqual(checkedIds.sort(), openIds.sort(), 'checks carry the message ids');
        assert.deepEqual(
          received(events)
            .map((m) => m.body)
            .sort(),
          ['tx-0', 'tx-2', 'tx-3', 'tx-5'],
        );
        assert.equal(afterAck(events), 0, 'rolled back messages never come');
      });

      test('a PushConsumer of an orderly group consumes each message group in order, retrying a FAILURE before what follows it', async () => {
        const topic = await typedTopic('JGrpcPushFifo', 'FIFO');
        const group = uniqueName('GID');
        await admin?.updateSubGroup([server?.broker ?? ''], {
          groupName: group,
          consumeMessageOrderly: true,
        });
        const events = await scenario('push-fifo', transport, topic, group, 9);
        const got = received(events);
        for (let g = 0; g < 3; g++) {
          const steps = got
            .filter((m) => m.messageGroup === `group-${g}`)
            .map((m) => `${m.body.replace(`group-${g}-step-`, '')}#${m.deliveryAttempt}`);
          assert.deepEqual(
            steps,
            g === 0 ? ['0#1', '0#2', '1#1', '2#1'] : ['0#1', '1#1', '2#1'],
            `group-${g} in order`,
          );
        }
        assert.equal(events.find((e) => 'consumed' in e)?.consumed, 9);
      });

      test('a PushConsumer MessageListener consumes every message; a FAILURE is redelivered with the next attempt', async () => {
        const topic = await typedTopic('JGrpcPush', 'NORMAL');
        const events = await scenario('push', transport, topic, uniqueName('GID'), 6);
        const ids = new Set(sent(events).map((s) => s.messageId));
        const got = received(events);
        assert.deepEqual(new Set(got.map((m) => m.received)), ids, 'every message');
        const first = got.filter((m) => m.body === 'push-0').map((m) => m.deliveryAttempt);
        assert.deepEqual(first.slice(0, 2), [1, 2], 'the failed one again, attempt 2');
        for (const m of got.filter((x) => x.body !== 'push-0'))
          assert.equal(m.deliveryAttempt, 1, m.body);
        assert.equal(events.find((e) => 'consumed' in e)?.consumed, 6);
      });
    });
  }
});
