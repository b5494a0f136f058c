import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord } from '../../src/common/message/message-ext-codec.ts';
import { MessageStore } from '../../src/store/message-store.ts';
import { smallStoreConfig } from '../helpers/store-fixtures.ts';
import { crashBody } from './fixtures/crash-body.ts';

const ROUNDS = 20;
const WRITER = new URL('./fixtures/sync-writer.ts', import.meta.url).pathname;

interface Ack {
  round: number;
  seq: number;
  topic: string;
  queueId: number;
  queueOffset: number;
}

/** Runs the writer, kills it with SIGKILL `killAfterMs` after it is ready, returns what it acknowledged. */
function runWriterAndKill(root: string, round: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, root, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let rest = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        const m = /^ack (\d+) (\d+) (\S+) (\d+) (\d+)$/.exec(line);
        if (m) {
          acks.push({
            round: Number(m[1]),
            seq: Number(m[2]),
            topic: m[3] ?? '',
            queueId: Number(m[4]),
            queueOffset: Number(m[5]),
          });
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`writer exited ${code}: ${stderr}`));
      else resolve(acks);
    });
  });
}

test('every message acknowledged under SYNC_FLUSH survives kill -9, in queue order, without gaps or duplicates', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rmq-crash-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const acked: Ack[] = [];
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let crashRecoveries = 0;
  let redispatched = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Kill moments from "during start-up" to a few hundred milliseconds of appending.
    const killAfter = Math.floor(random() * 400);
    acked.push(...(await runWriterAndKill(root, round, killAfter)));

    const store = new MessageStore({
      config: smallStoreConfig(root, { flushDiskType: 'SYNC_FLUSH' }),
    });
    await store.start();
    try {
      if (store.recoveryReport?.mode === 'crash') crashRecoveries++;
      redispatched += store.recoveryReport?.redispatched ?? 0;
      for (const topic of ['CrashA', 'CrashB']) {
        for (let queueId = 0; queueId < 4; queueId++) {
          const max = store.getMaxOffsetInQueue(topic, queueId);
          const got = store.getMessage({ topic, queueId, offset: 0, maxMsgNums: max + 1 });
          const records = max === 0 ? [] : got.messages;
          assert.equal(
            records.length,
            max,
            `${topic}-${queueId}: ${records.length} records for max offset ${max}`,
          );
          records.forEach((r, i) =>
            assert.equal(
              decodeRecord(r).queueOffset,
              i,
              `${topic}-${queueId} gap or duplicate at ${i}`,
            ),
          );
        }
      }
      for (const a of acked) {
        const got = store.getMessage({
          topic: a.topic,
          queueId: a.queueId,
          offset: a.queueOffset,
          maxMsgNums: 1,
        });
        const record = got.messages[0];
        assert.ok(
          record,
          `acknowledged r${a.round}s${a.seq} at ${a.topic}-${a.queueId}@${a.queueOffset} is missing`,
        );
        const m = decodeRecord(record);
        assert.ok(m.body.equals(crashBody(a.round, a.seq)), `r${a.round}s${a.seq} differs`);
        assert.equal(m.properties.get('KEYS'), `r${a.round}s${a.seq}`);
      }
    } finally {
      await store.shutdown();
    }
  }
  assert.ok(acked.length > 100, `only ${acked.length} acknowledgements in ${ROUNDS} rounds`);
  assert.ok(crashRecoveries >= ROUNDS - 2, `${crashRecoveries} crash recoveries`);
  assert.ok(redispatched > 0, 'recovery never re-dispatched a record: the scan was not exercised');
  console.log(
    `${acked.length} acknowledged messages verified over ${ROUNDS} kill -9 rounds; ${redispatched} records re-dispatched`,
  );
});
