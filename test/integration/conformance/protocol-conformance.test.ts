import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AdminClient } from '../../../src/admin/admin-client.ts';
import { createRequest } from '../../../src/remoting/protocol/remoting-command.ts';
import { RemotingClient } from '../../../src/remoting/transport/remoting-client.ts';
import { launchCluster } from '../../helpers/start-cluster.ts';
import { startGrpc } from '../../helpers/start-grpc.ts';
import { closerFor, openSession, type Env, type ProtocolName } from './drivers.ts';
import { MAX_MESSAGE_SIZE, SCENARIOS } from './scenarios.ts';

/**
 * Every scenario of the table, over Remoting and over gRPC, against one broker: one core, two
 * protocols (ARCHITECTURE.md, fixed decision 6), so both must observe the same.
 */
let env: Env;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  const cluster = await launchCluster({
    // An unknown topic is an error on both protocols (Remoting would otherwise create it).
    autoCreateTopicEnable: false,
    maxMessageSize: MAX_MESSAGE_SIZE,
    // Orphaned halves are checked back within a second; checks do not run out while a
    // scenario hands the orphan from one producer to another.
    transactionTimeOut: 500,
    transactionCheckInterval: 200,
    transactionCheckMax: 1000,
    brokerSuspendMaxTimeMillis: 2000,
  });
  const { endpoint } = await startGrpc(cluster);
  const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  const remoting = new RemotingClient({ logger: pino({ level: 'silent' }) });
  env = {
    cluster,
    endpoint,
    admin,
    call: (code, ext, body) =>
      remoting.invoke(cluster.brokerAddr, createRequest(code, 0, ext, body), 3000),
  };
  stop = async () => {
    await remoting.shutdown();
    await admin.shutdown();
    await cluster.stop();
  };
});

after(() => stop?.());

const PROTOCOLS: readonly ProtocolName[] = ['Remoting', 'gRPC'];

for (const scenario of SCENARIOS) {
  for (const name of PROTOCOLS) {
    test(`${scenario.title} (over ${name})`, async (t) => {
      const close = closerFor(t);
      const p = openSession(name, env, close);
      const other = openSession(name === 'Remoting' ? 'gRPC' : 'Remoting', env, close);
      assert.deepEqual(await scenario.run({ env, p, other }), scenario.expected);
    });
  }
}
