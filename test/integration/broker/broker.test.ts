import { test } from 'node:test';
import { waitUntil } from '../../helpers/wait-for.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { BrokerController } from '../../../src/broker/broker-controller.ts';
import { resolveBrokerConfigs } from '../../../src/broker/broker-config.ts';
import { RemotingClient } from '../../../src/remoting/transport/remoting-client.ts';
import { createRequest } from '../../../src/remoting/protocol/remoting-command.ts';
import { latch } from '../../helpers/latch.ts';
import assert from 'node:assert/strict';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { decodeRecord } from '../../../src/common/message/message-ext-codec.ts';
import { encodeProperties } from '../../../src/common/message/message-properties.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';
import { jsonBody, testClient } from '../../helpers/remoting-call.ts';

const send = (
  topic: string,
  body: string | Buffer,
  props: Record<string, string> = {},
  queueId = 0,
) => ({
  ext: {
    a: 'PID_test',
    b: topic,
    c: 'TBW102',
    d: '4',
    e: String(queueId),
    f: '0',
    g: String(Date.now()),
    h: '0',
    i: encodeProperties(props),
    j: '0',
    k: 'false',
  },
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
});

const pullExt = (
  group: string,
  topic: string,
  queueId: number,
  queueOffset: number,
  extra: Record<string, string> = {},
) => ({
  consumerGroup: group,
  topic,
  queueId: String(queueId),
  queueOffset: String(queueOffset),
  maxMsgNums: '32',
  sysFlag: '4',
  commitOffset: '-1',
  suspendTimeoutMillis: '0',
  subscription: '*',
  subVersion: '0',
  ...extra,
});

test('the broker stores a send and serves the stored record bytes on pull, with next/min/max offsets', async (t) => {
  const cluster = await startCluster(t);
  const { call } = testClient(t);
  const topic = uniqueName('T');
  const s = send(topic, 'hello', { TAGS: 'TagA', KEYS: 'k1' });
  const sent = await call(cluster.brokerAddr, RequestCode.SEND_MESSAGE_V2, s.ext, s.body);
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  assert.equal(sent.extFields?.queueId, '0');
  assert.equal(sent.extFields?.queueOffset, '0');
  const pulled = await call(
    cluster.brokerAddr,
    RequestCode.PULL_MESSAGE,
    pullExt(uniqueName('G'), topic, 0, 0),
  );
  assert.equal(pulled.code, ResponseCode.SUCCESS);
  assert.deepEqual(
    {
      next: pulled.extFields?.nextBeginOffset,
      min: pulled.extFields?.minOffset,
      max: pulled.extFields?.maxOffset,
    },
    { next: '1', min: '0', max: '1' },
  );
  const record = decodeRecord(pulled.body ?? Buffer.alloc(0));
  assert.equal(record.body.toString(), 'hello');
  assert.equal(record.properties.get('TAGS'), 'TagA');
  // The offset message id from the send points at this very record.
  const byId = await call(cluster.brokerAddr, RequestCode.VIEW_MESSAGE_BY_ID, {
    offset: String(record.commitLogOffset),
  });
  assert.deepEqual(byId.body, pulled.body);
  assert.equal(
    sent.extFields?.msgId?.slice(-16),
    record.commitLogOffset.toString(16).toUpperCase().padStart(16, '0'),
  );
  const byKey = await call(cluster.brokerAddr, RequestCode.QUERY_MESSAGE, {
    topic,
    key: 'k1',
    maxNum: '5',
    beginTimestamp: '0',
    endTimestamp: String(Date.now()),
  });
  assert.equal(byKey.code, ResponseCode.SUCCESS);
  assert.deepEqual(byKey.body, pulled.body);
});

test('the broker refuses bad input with RocketMQ codes and remarks, and keeps serving', async (t) => {
  const cluster = await startCluster(t, { autoCreateTopicEnable: false, maxMessageSize: 1024 });
  const { call } = testClient(t);
  const topic = uniqueName('T');
  await cluster.createTopic(topic);
  const expect = async (
    code: number,
    remark: RegExp,
    topicName: string,
    body: string | Buffer = 'x',
    queueId = 0,
  ) => {
    const s = send(topicName, body, {}, queueId);
    const r = await call(cluster.brokerAddr, RequestCode.SEND_MESSAGE_V2, s.ext, s.body);
    assert.equal(r.code, code, `${topicName}: ${r.remark}`);
    assert.match(r.remark ?? '', remark);
  };
  // As RocketMQ 5's broker answers them (the differential suite compares the codes).
  await expect(ResponseCode.INVALID_PARAMETER, /has characters outside/, 'bad topic!');
  await expect(ResponseCode.INVALID_PARAMETER, /above 127/, 'x'.repeat(200));
  await expect(ResponseCode.NO_PERMISSION, /system topic/, 'SCHEDULE_TOPIC_XXXX');
  await expect(
    ResponseCode.MESSAGE_ILLEGAL,
    /1025 bytes, above maxMessageSize 1024/,
    topic,
    Buffer.alloc(1025),
  );
  await expect(ResponseCode.TOPIC_NOT_EXIST, /topic\[NoSuchTopic\] not exist/, 'NoSuchTopic');
  await expect(ResponseCode.INVALID_PARAMETER, /queueId\[9\] is illegal/, topic, 'x', 9);
  const readOnly = uniqueName('RO');
  const admin = await call(cluster.brokerAddr, RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic: readOnly,
    readQueueNums: '1',
    writeQueueNums: '1',
    perm: '4',
  });
  assert.equal(admin.code, ResponseCode.SUCCESS);
  await expect(ResponseCode.NO_PERMISSION, /sending message is forbidden/, readOnly);
  await expect(ResponseCode.SUCCESS, /^$/, topic);
  const missing = await call(cluster.brokerAddr, RequestCode.PULL_MESSAGE, { topic });
  assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  assert.match(missing.remark ?? '', /custom field "consumerGroup" is missing/);
});

test('a held pull answers as soon as a message arrives, and PULL_NOT_FOUND when its time is up', async (t) => {
  const cluster = await startCluster(t);
  const { call } = testClient(t);
  const topic = uniqueName('T');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('G');
  const timedOut = await call(
    cluster.brokerAddr,
    RequestCode.PULL_MESSAGE,
    pullExt(group, topic, 0, 0, { sysFlag: '6', suspendTimeoutMillis: '200' }),
  );
  assert.equal(timedOut.code, ResponseCode.PULL_NOT_FOUND);
  const held = call(
    cluster.brokerAddr,
    RequestCode.PULL_MESSAGE,
    pullExt(group, topic, 0, 0, { sysFlag: '6', suspendTimeoutMillis: '20000' }),
  );
  const hold = cluster.broker.internals.hold;
  await waitUntil(() => hold.heldCount !== 0, 2000, 'hold.heldCount !== 0');
  assert.equal(hold.heldCount, 1, 'the pull is held');
  const s = send(topic, 'wake up');
  await call(cluster.brokerAddr, RequestCode.SEND_MESSAGE_V2, s.ext, s.body);
  const woken = await held;
  assert.equal(woken.code, ResponseCode.SUCCESS);
  assert.equal(decodeRecord(woken.body ?? Buffer.alloc(0)).body.toString(), 'wake up');
  assert.equal(hold.heldCount, 0);
});

test('the broker maps pull offsets like RocketMQ and stores committed offsets, ignoring negative ones', async (t) => {
  const cluster = await startCluster(t);
  const { call } = testClient(t);
  const topic = uniqueName('T');
  await cluster.createTopic(topic, 1);
  const group = uniqueName('G');
  for (let i = 0; i < 3; i++) {
    const s = send(topic, `m${i}`, { TAGS: i === 1 ? 'B' : 'A' });
    await call(cluster.brokerAddr, RequestCode.SEND_MESSAGE_V2, s.ext, s.body);
  }
  const pull = (offset: number, extra: Record<string, string> = {}) =>
    call(cluster.brokerAddr, RequestCode.PULL_MESSAGE, pullExt(group, topic, 0, offset, extra));
  assert.equal((await pull(3)).code, ResponseCode.PULL_NOT_FOUND);
  const moved = await pull(10);
  assert.equal(moved.code, ResponseCode.PULL_OFFSET_MOVED);
  const filtered = await pull(1, { subscription: 'C' });
  assert.equal(filtered.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
  assert.equal(filtered.extFields?.nextBeginOffset, '3');
  const onlyB = await pull(0, { subscription: 'B' });
  assert.equal(decodeRecord(onlyB.body ?? Buffer.alloc(0)).body.toString(), 'm1');
  // Commit through the pull (sysFlag COMMIT_OFFSET) and through UPDATE_CONSUMER_OFFSET.
  await pull(0, { sysFlag: '5', commitOffset: '2' });
  const q = { consumerGroup: group, topic, queueId: '0' };
  assert.equal(
    (await call(cluster.brokerAddr, RequestCode.QUERY_CONSUMER_OFFSET, q)).extFields?.offset,
    '2',
  );
  await call(cluster.brokerAddr, RequestCode.UPDATE_CONSUMER_OFFSET, { ...q, commitOffset: '-1' });
  assert.equal(
    (await call(cluster.brokerAddr, RequestCode.QUERY_CONSUMER_OFFSET, q)).extFields?.offset,
    '2',
  );
  await call(cluster.brokerAddr, RequestCode.UPDATE_CONSUMER_OFFSET, { ...q, commitOffset: '3' });
  assert.equal(
    (await call(cluster.brokerAddr, RequestCode.QUERY_CONSUMER_OFFSET, q)).extFields?.offset,
    '3',
  );
  assert.equal(
    (await call(cluster.brokerAddr, RequestCode.GET_MAX_OFFSET, { topic, queueId: '0' })).extFields
      ?.offset,
    '3',
  );
  // ConsumeStats is a Map<MessageQueue, OffsetWrapper>, keyed by the queue as fastjson writes it.
  const stats = jsonBody<{
    offsetTable: Map<{ queueId: number }, { brokerOffset: number; consumerOffset: number }>;
  }>(
    await call(cluster.brokerAddr, RequestCode.GET_CONSUME_STATS, { consumerGroup: group, topic }),
  );
  assert.ok(stats.offsetTable instanceof Map, 'offsetTable has the queues as keys');
  assert.deepEqual(
    [...stats.offsetTable].map(([mq, o]) => [mq.queueId, o.brokerOffset, o.consumerOffset]),
    [[0, 3, 3]],
  );
});

test('a heartbeat registers the consumer, creates its retry topic and routes it through the name server', async (t) => {
  const cluster = await startCluster(t);
  const { call } = testClient(t);
  const group = uniqueName('G');
  const hb = await call(
    cluster.brokerAddr,
    RequestCode.HEART_BEAT,
    {},
    {
      clientID: '127.0.0.1@test',
      consumerDataSet: [
        {
          groupName: group,
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          subscriptionDataSet: [{ topic: 'X', subString: '*' }],
        },
      ],
      producerDataSet: [],
    },
  );
  assert.equal(hb.code, ResponseCode.SUCCESS);
  const list = jsonBody<{ consumerIdList: string[] }>(
    await call(cluster.brokerAddr, RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: group,
    }),
  );
  assert.deepEqual(list.consumerIdList, ['127.0.0.1@test']);
  await waitUntil(
    () => cluster.namesrv.routes.pickupTopicRouteData(`%RETRY%${group}`) !== undefined,
    3000,
    'cluster.namesrv.routes.pickupTopicRouteData(`%RETRY%${group}`) !== undefined',
  );
  assert.ok(cluster.namesrv.routes.pickupTopicRouteData(`%RETRY%${group}`), 'retry topic routed');
  await call(cluster.brokerAddr, RequestCode.UNREGISTER_CLIENT, {
    clientID: '127.0.0.1@test',
    consumerGroup: group,
  });
  const none = await call(cluster.brokerAddr, RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
    consumerGroup: group,
  });
  assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
  assert.match(none.remark ?? '', /no consumer for this group/);
});

test('consumer offsets, topics and messages survive a broker restart', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rmq-restart-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const configs = () =>
    resolveBrokerConfigs([
      {
        storePathRootDir: root,
        brokerName: 'broker-r',
        listenPort: 0,
        bindAddress: '127.0.0.1',
        brokerIP1: '127.0.0.1',
        mappedFileSizeCommitLog: 1048576,
        maxHashSlotNum: 1000,
        maxIndexNum: 4000,
      },
    ]);
  const { call } = testClient(t);
  let { broker, store } = configs();
  let controller = new BrokerController(broker, store);
  await controller.start();
  const s = send('Persisted', 'kept');
  assert.equal(
    (await call(controller.brokerAddr, RequestCode.SEND_MESSAGE_V2, s.ext, s.body)).code,
    ResponseCode.SUCCESS,
  );
  await call(controller.brokerAddr, RequestCode.UPDATE_CONSUMER_OFFSET, {
    consumerGroup: 'G_r',
    topic: 'Persisted',
    queueId: '0',
    commitOffset: '1',
  });
  await controller.shutdown();
  ({ broker, store } = configs());
  controller = new BrokerController(broker, store);
  await controller.start();
  t.after(() => controller.shutdown());
  const q = await call(controller.brokerAddr, RequestCode.QUERY_CONSUMER_OFFSET, {
    consumerGroup: 'G_r',
    topic: 'Persisted',
    queueId: '0',
  });
  assert.equal(q.extFields?.offset, '1');
  assert.ok(
    controller.internals.topics.get('Persisted'),
    'the auto-created topic is still configured',
  );
  const pulled = await call(
    controller.brokerAddr,
    RequestCode.PULL_MESSAGE,
    pullExt('G_r', 'Persisted', 0, 0),
  );
  assert.equal(decodeRecord(pulled.body ?? Buffer.alloc(0)).body.toString(), 'kept');
});

test('a consumer is told when its group changes, and consumers whose heartbeats stop expire', async (t) => {
  const cluster = await startCluster(t);
  const group = uniqueName('G');
  const notified = latch(1, 3000, 'NOTIFY_CONSUMER_IDS_CHANGED');
  const first = new RemotingClient({
    logger: pino({ level: 'silent' }),
    onRequest: (req) => {
      if (
        req.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED &&
        req.extFields?.consumerGroup === group
      )
        notified.countDown();
      return undefined;
    },
  });
  t.after(() => first.shutdown());
  const second = testClient(t);
  const heartbeat = (clientID: string) => ({
    clientID,
    consumerDataSet: [
      {
        groupName: group,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
        subscriptionDataSet: [],
      },
    ],
  });
  await first.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.HEART_BEAT, 0, {}, Buffer.from(JSON.stringify(heartbeat('c1')))),
    3000,
  );
  await second.call(cluster.brokerAddr, RequestCode.HEART_BEAT, {}, heartbeat('c2'));
  await notified.done;
  const consumers = cluster.broker.internals.consumers;
  assert.deepEqual(consumers.clientIds(group).sort(), ['c1', 'c2']);
  consumers.scanExpired(120000, Date.now() + 120001);
  assert.deepEqual(consumers.clientIds(group), []);
});
