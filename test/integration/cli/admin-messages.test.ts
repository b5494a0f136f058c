import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { launchCluster, uniqueName, type TestCluster } from '../../helpers/start-cluster.ts';
import { bodyFilesOf, rmqAdmin, rmqAdminOk } from '../../helpers/rmq-admin.ts';
import { sdkClient, started } from '../../helpers/sdk.ts';
import { testClient } from '../../helpers/remoting-call.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { decodeOffsetMessageId } from '../../../src/common/message/message-id.ts';

let cluster: (TestCluster & { stop(): Promise<void> }) | undefined;
before(async () => {
  cluster = await launchCluster();
});
after(() => cluster?.stop());

/** Message bodies the printed messages left in the tmp folder, as mqadmin leaves them. */
const bodyFiles: string[] = [];
after(() => {
  for (const f of bodyFiles) rmSync(f, { force: true });
});

const env = (): TestCluster => {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
};
const ok = async (command: string, ...args: string[]): Promise<string> => {
  const out = await rmqAdminOk(command, '-n', env().namesrvAddr, ...args);
  bodyFiles.push(...bodyFilesOf(out));
  return out;
};
const run = (command: string, ...args: string[]) =>
  rmqAdmin(command, '-n', env().namesrvAddr, ...args);

/** The value of a `Name:   value` line of a printed message. */
const field = (out: string, name: string): string | undefined =>
  new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(out)?.[1];

test('rmq admin finds a message by producer id or offset id, key, unique key and queue offset, and prints a topic', async (t) => {
  const c = env();
  const topic = uniqueName('CliMsgs');
  await c.createTopic(topic, 2);
  const producer = await started(
    t,
    sdkClient(t, c).createProducer({ producerGroup: uniqueName('PID') }),
  );
  const sent = [];
  for (let i = 0; i < 3; i++)
    sent.push(
      await producer.send({
        topic,
        body: `body-${i}`,
        tags: i === 2 ? 'TagB' : 'TagA',
        keys: [`key-${i}`],
      }),
    );
  const [first] = sent;
  assert.ok(first);

  for (const id of [first.msgId, first.offsetMsgId]) {
    const out = await ok('queryMsgById', '-t', topic, '-i', id);
    assert.equal(field(out, 'OffsetID'), first.offsetMsgId, id);
    assert.equal(field(out, 'Topic'), topic);
    assert.equal(field(out, 'Tags'), '[TagA]');
    assert.equal(field(out, 'Keys'), '[key-0]');
    assert.equal(field(out, 'Queue ID'), String(first.messageQueue.queueId));
    assert.equal(field(out, 'Queue Offset'), String(first.queueOffset));
    assert.match(field(out, 'Store Timestamp') ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/);
    assert.match(field(out, 'Properties') ?? '', new RegExp(`^\\{.*UNIQ_KEY=${first.msgId}.*\\}$`));
    assert.equal(readFileSync(field(out, 'Message Body Path') ?? '', 'utf8'), 'body-0');
    assert.equal(field(out, 'Message Body'), undefined, 'the body is printed only with -f');
    assert.match(out, /\n\n\nWARN: No Consumer\n$/);
  }
  assert.equal(
    field(await ok('queryMsgById', '-t', topic, '-i', first.msgId, '-f', 'UTF-8'), 'Message Body'),
    'body-0',
  );
  const both = await ok(
    'queryMsgById',
    '-t',
    topic,
    '-i',
    `${sent[1]?.msgId ?? ''},${sent[2]?.offsetMsgId ?? ''}`,
  );
  assert.deepEqual(
    [...both.matchAll(/^Keys:\s+(.*)$/gm)].map((m) => m[1]),
    ['[key-1]', '[key-2]'],
  );
  const missing = await run('queryMsgById', '-t', topic, '-i', '0A0000010000AAAA0000000000000000');
  assert.equal(missing.status, 1);
  assert.match(
    missing.stderr,
    /^rmq: Message not found: 0A0000010000AAAA0000000000000000 on topic /,
  );

  assert.equal(
    await ok('queryMsgByKey', '-t', topic, '-k', 'key-1'),
    `#Message ID                       #QID  #Offset\n${sent[1]?.msgId ?? ''}  ${sent[1]?.messageQueue.queueId ?? ''}     ${sent[1]?.queueOffset ?? ''}\n`,
  );
  const unique = await ok('queryMsgByUniqueKey', '-t', topic, '-i', first.msgId);
  assert.equal(field(unique, 'OffsetID'), undefined);
  assert.equal(field(unique, 'Keys'), '[key-0]');
  const third = sent[2];
  assert.ok(third);
  const byOffset = await ok(
    'queryMsgByOffset',
    '-t',
    topic,
    '-b',
    'broker-a',
    '-i',
    String(third.messageQueue.queueId),
    '-o',
    String(third.queueOffset),
    '-f',
    'UTF-8',
  );
  assert.equal(field(byOffset, 'OffsetID'), third.offsetMsgId);
  assert.equal(field(byOffset, 'Message Body'), 'body-2');
  const beyond = await run(
    'queryMsgByOffset',
    '-t',
    topic,
    '-b',
    'broker-a',
    '-i',
    '0',
    '-o',
    '99',
  );
  assert.equal(beyond.status, 1);
  assert.match(
    beyond.stderr,
    /No message at offset 99 of MessageQueue \[topic=\S+, brokerName=broker-a, queueId=0\]/,
  );

  const printed = await ok('printMsg', '-t', topic);
  assert.match(
    printed,
    new RegExp(
      `^minOffset=0, maxOffset=\\d, MessageQueue \\[topic=${topic}, brokerName=broker-a, queueId=0\\]$`,
      'm',
    ),
  );
  for (const s of sent)
    assert.match(
      printed,
      new RegExp(
        `^MSGID: ${s.msgId} MessageExt \\[brokerName=broker-a, .*msgId=${s.offsetMsgId}, .* BODY: body-\\d$`,
        'm',
      ),
    );
  assert.equal(printed.match(/^-{56}$/gm)?.length, 2, 'one rule per queue');
  const tagB = await ok('printMsg', '-t', topic, '-s', 'TagB', '-d', 'false');
  assert.deepEqual(
    [...tagB.matchAll(/^MSGID: (\S+) .* BODY: NOT PRINT BODY$/gm)].map((m) => m[1]),
    [third.msgId],
  );
});

test('rmq admin queryMsgById -s true sends a dead letter back to its original topic, found by its producer id', async (t) => {
  const c = env();
  const topic = uniqueName('CliResend');
  const group = uniqueName('CliDlqGroup');
  await c.createTopic(topic, 1);
  const producer = await started(
    t,
    sdkClient(t, c).createProducer({ producerGroup: uniqueName('PID') }),
  );
  const sent = await producer.send({ topic, body: 'dead letter', keys: ['k-dlq'] });
  // A consumer gives up on the message at once (CONSUMER_SEND_MSG_BACK, delay level -1): a dead letter.
  const { call } = testClient(t);
  const back = await call(c.brokerAddr, RequestCode.CONSUMER_SEND_MSG_BACK, {
    group,
    offset: String(decodeOffsetMessageId(sent.offsetMsgId).commitLogOffset),
    delayLevel: '-1',
    originMsgId: sent.msgId,
  });
  assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
  const dlq = `%DLQ%${group}`;
  const dead = await ok('queryMsgById', '-t', dlq, '-i', sent.msgId);
  assert.equal(field(dead, 'Topic'), dlq);
  assert.match(field(dead, 'Properties') ?? '', new RegExp(`RETRY_TOPIC=${topic}`));

  const resent = await ok('queryMsgById', '-t', dlq, '-i', sent.msgId, '-s', 'true');
  assert.match(
    resent,
    new RegExp(
      `^prepare resend msg\\. originalMsgId=${sent.msgId}\\nSendResult \\[sendStatus=SEND_OK, msgId=${sent.msgId}, offsetMsgId=[0-9A-F]{32}, messageQueue=MessageQueue \\[topic=${topic}, brokerName=broker-a, queueId=0\\], queueOffset=1\\]\\n$`,
    ),
  );
  const again = await ok(
    'queryMsgByOffset',
    '-t',
    topic,
    '-b',
    'broker-a',
    '-i',
    '0',
    '-o',
    '1',
    '-f',
    'UTF-8',
  );
  assert.equal(field(again, 'Message Body'), 'dead letter');
  assert.equal(field(again, 'Keys'), '[k-dlq]');
  assert.doesNotMatch(field(again, 'Properties') ?? '', /RETRY_TOPIC|ORIGIN_MESSAGE_ID/);
  assert.equal(
    await ok('queryMsgById', '-t', topic, '-i', sent.msgId, '-s', 'false'),
    '',
    '-s false only looks',
  );
});
