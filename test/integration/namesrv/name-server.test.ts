import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerController } from '../../../src/broker/broker-controller.ts';
import { resolveBrokerConfigs } from '../../../src/broker/broker-config.ts';
import assert from 'node:assert/strict';
import { NameServer } from '../../../src/namesrv/name-server.ts';
import { resolveNamesrvConfig } from '../../../src/namesrv/namesrv-config.ts';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { newTopicConfig } from '../../../src/common/protocol-data/route-data.ts';
import { jsonBody, testClient } from '../../helpers/remoting-call.ts';
import type { ClusterInfo } from '../../../src/common/protocol-data/route-data.ts';
import { waitUntil } from '../../helpers/wait-for.ts';
import type { TestContext } from 'node:test';

async function startNamesrv(t: TestContext): Promise<{ namesrv: NameServer; addr: string }> {
  const namesrv = new NameServer(
    resolveNamesrvConfig([{ listenPort: 0, bindAddress: '127.0.0.1' }]),
  );
  await namesrv.start();
  t.after(() => namesrv.shutdown());
  return { namesrv, addr: `127.0.0.1:${namesrv.port}` };
}

const registerBody = (topics: string[]) => ({
  topicConfigSerializeWrapper: {
    topicConfigTable: Object.fromEntries(topics.map((t) => [t, newTopicConfig(t, 4)])),
    dataVersion: { timestamp: Date.now(), counter: 1 },
  },
  filterServerList: [],
});

test('NameServer registers a broker and serves its routes, cluster info and topic list', async (t) => {
  const { addr } = await startNamesrv(t);
  const { call } = testClient(t);
  const reg = await call(
    addr,
    RequestCode.REGISTER_BROKER,
    {
      brokerName: 'broker-a',
      brokerAddr: '127.0.0.1:10911',
      clusterName: 'DefaultCluster',
      brokerId: '0',
      haServerAddr: '127.0.0.1:10912',
    },
    registerBody(['TopicA', 'TBW102']),
  );
  assert.equal(reg.code, ResponseCode.SUCCESS);
  const route = await call(addr, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' });
  assert.equal(route.code, ResponseCode.SUCCESS);
  assert.deepEqual(jsonBody(route), {
    queueDatas: [
      { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    ],
    brokerDatas: [
      {
        cluster: 'DefaultCluster',
        brokerName: 'broker-a',
        brokerAddrs: { '0': '127.0.0.1:10911' },
        enableActingMaster: false,
      },
    ],
    filterServerTable: {},
  });
  const missing = await call(addr, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Nope' });
  assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
  assert.match(missing.remark ?? '', /No topic route info in name server for the topic: Nope/);
  const cluster = jsonBody<ClusterInfo>(await call(addr, RequestCode.GET_BROKER_CLUSTER_INFO));
  assert.deepEqual(cluster.clusterAddrTable, { DefaultCluster: ['broker-a'] });
  const list = jsonBody<{ topicList: string[] }>(
    await call(addr, RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
  );
  assert.deepEqual(list.topicList, ['TBW102', 'TopicA']);
  await call(addr, RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'TopicA' });
  assert.equal(
    (await call(addr, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' })).code,
    ResponseCode.TOPIC_NOT_EXIST,
  );
  const bad = await call(addr, RequestCode.REGISTER_BROKER, { brokerName: 'x' }, registerBody([]));
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  assert.match(bad.remark ?? '', /custom field "brokerAddr" is missing/);
});

test('NameServer drops a broker when it unregisters or its connection closes', async (t) => {
  const { namesrv, addr } = await startNamesrv(t);
  const a = testClient(t);
  const b = testClient(t);
  const ext = (name: string, port: number) => ({
    brokerName: name,
    brokerAddr: `127.0.0.1:${port}`,
    clusterName: 'C',
    brokerId: '0',
  });
  await a.call(addr, RequestCode.REGISTER_BROKER, ext('broker-a', 1), registerBody(['T']));
  await b.call(addr, RequestCode.REGISTER_BROKER, ext('broker-b', 2), registerBody(['T']));
  assert.equal(namesrv.routes.liveBrokerCount, 2);
  await a.call(addr, RequestCode.UNREGISTER_BROKER, ext('broker-a', 1));
  assert.equal(namesrv.routes.liveBrokerCount, 1);
  await b.client.closeConnection(addr);
  await waitUntil(() => namesrv.routes.liveBrokerCount === 0, 2000, 'the closed broker is dropped');
  assert.equal(namesrv.routes.pickupTopicRouteData('T'), undefined);
});

test('a broker registers with every name server and clients can use any of them', async (t) => {
  const first = await startNamesrv(t);
  const second = await startNamesrv(t);
  const root = mkdtempSync(join(tmpdir(), 'rmq-two-ns-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { broker, store } = resolveBrokerConfigs([
    {
      storePathRootDir: root,
      brokerName: 'broker-x',
      listenPort: 0,
      bindAddress: '127.0.0.1',
      brokerIP1: '127.0.0.1',
      namesrvAddr: `${first.addr};${second.addr}`,
      mappedFileSizeCommitLog: 1048576,
      maxHashSlotNum: 1000,
      maxIndexNum: 4000,
    },
  ]);
  const controller = new BrokerController(broker, store);
  await controller.start();
  let stopped = false;
  t.after(async () => {
    if (!stopped) await controller.shutdown();
  });
  for (const ns of [first, second]) {
    assert.deepEqual(
      ns.namesrv.routes.pickupTopicRouteData('TBW102')?.brokerDatas[0]?.brokerAddrs,
      { '0': controller.brokerAddr },
    );
  }
  // A topic created later reaches both name servers without waiting for the 30 s re-registration.
  const { call } = testClient(t);
  await call(controller.brokerAddr, RequestCode.UPDATE_AND_CREATE_TOPIC, {
    topic: 'Both',
    readQueueNums: '2',
    writeQueueNums: '2',
    perm: '6',
  });
  await waitUntil(
    () =>
      [first, second].every((ns) => ns.namesrv.routes.pickupTopicRouteData('Both') !== undefined),
    3000,
    'both name servers route the new topic',
  );
  // A clean broker stop unregisters from both.
  await controller.shutdown();
  stopped = true;
  assert.equal(first.namesrv.routes.liveBrokerCount + second.namesrv.routes.liveBrokerCount, 0);
});
