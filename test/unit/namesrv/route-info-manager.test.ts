import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { RouteInfoManager } from '../../../src/namesrv/route-info-manager.ts';
import { newTopicConfig } from '../../../src/common/protocol-data/route-data.ts';

const input = (
  brokerName: string,
  brokerAddr: string,
  brokerId: number,
  topics: string[],
  counter = 1,
) => ({
  clusterName: 'DefaultCluster',
  brokerAddr,
  brokerName,
  brokerId,
  haServerAddr: '',
  timeoutMillis: 120000,
  topicConfigs: topics.map((t) => newTopicConfig(t, 4)),
  dataVersion: { timestamp: 1, counter },
});

test('RouteInfoManager builds a topic route from the masters and slaves that serve it', () => {
  const routes = new RouteInfoManager(pino({ level: 'silent' }));
  routes.registerBroker(input('broker-b', '10.0.0.2:10911', 0, ['T']));
  routes.registerBroker(input('broker-a', '10.0.0.1:10911', 0, ['T', 'U']));
  const slave = routes.registerBroker(input('broker-a', '10.0.0.3:10911', 1, []));
  assert.equal(slave.masterAddr, '10.0.0.1:10911');
  const route = routes.pickupTopicRouteData('T');
  assert.deepEqual(
    route?.queueDatas.map((q) => q.brokerName),
    ['broker-a', 'broker-b'],
  );
  assert.deepEqual(route?.brokerDatas[0]?.brokerAddrs, {
    '0': '10.0.0.1:10911',
    '1': '10.0.0.3:10911',
  });
  assert.equal(routes.pickupTopicRouteData('missing'), undefined);
  assert.deepEqual(routes.getAllTopicList(), ['T', 'U']);
  assert.deepEqual(routes.getAllClusterInfo().clusterAddrTable, {
    DefaultCluster: ['broker-a', 'broker-b'],
  });
});

test('RouteInfoManager expires a broker whose heartbeats stopped and drops topics it stopped serving', () => {
  const routes = new RouteInfoManager(pino({ level: 'silent' }));
  routes.registerBroker(input('broker-a', '10.0.0.1:10911', 0, ['T', 'U']), 1000);
  routes.registerBroker(input('broker-b', '10.0.0.2:10911', 0, ['T']), 100000);
  routes.registerBroker(input('broker-a', '10.0.0.1:10911', 0, ['T'], 2), 1000);
  assert.equal(routes.pickupTopicRouteData('U'), undefined, 'U is no longer served');
  assert.equal(routes.scanNotActiveBroker(1000 + 120000), 0);
  assert.equal(routes.scanNotActiveBroker(1000 + 120001), 1);
  assert.deepEqual(
    routes.pickupTopicRouteData('T')?.queueDatas.map((q) => q.brokerName),
    ['broker-b'],
  );
  assert.equal(routes.liveBrokerCount, 1);
});
