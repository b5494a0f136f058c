import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { RequestCode } from '../../../src/remoting/protocol/request-code.ts';
import { ResponseCode } from '../../../src/remoting/protocol/response-code.ts';
import { startCluster, uniqueName } from '../../helpers/start-cluster.ts';
import { testClient } from '../../helpers/remoting-call.ts';

/** A port p, free a moment ago, with p + 2 free too: p is the VIP port of listenPort p + 2. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const p = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    if (p > 65000) continue;
    const upper = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p + 2, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (upper) return p;
  }
  throw new Error('no free pair of ports p, p + 2 after 20 tries');
}

test('the VIP channel on listenPort - 2 serves the same broker: a send there is read back from the main port', async (t) => {
  const vip = await freePortPair();
  const cluster = await startCluster(t, { listenPort: vip + 2 });
  assert.equal(cluster.broker.port, vip + 2);
  const topic = uniqueName('Vip');
  await cluster.createTopic(topic, 1);
  const { call } = testClient(t);
  const sent = await call(
    `127.0.0.1:${vip}`,
    RequestCode.SEND_MESSAGE,
    {
      producerGroup: 'PID_VIP',
      topic,
      queueId: '0',
      sysFlag: '0',
      bornTimestamp: String(Date.now()),
      flag: '0',
      properties: '',
      reconsumeTimes: '0',
    },
    Buffer.from('via vip'),
  );
  assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
  const max = await call(cluster.brokerAddr, RequestCode.GET_MAX_OFFSET, { topic, queueId: '0' });
  assert.equal(max.extFields?.offset, '1', 'the message is in the one store');
});

test('no VIP channel when fastChannelEnable=false', async (t) => {
  const vip = await freePortPair();
  await startCluster(t, { listenPort: vip + 2, fastChannelEnable: false });
  const { call } = testClient(t);
  await assert.rejects(
    call(`127.0.0.1:${vip}`, RequestCode.GET_BROKER_RUNTIME_INFO),
    /ECONNREFUSED|connect/,
  );
});
