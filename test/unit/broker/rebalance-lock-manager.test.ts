import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LOCK_MAX_LIVE_TIME_MS,
  RebalanceLockManager,
  type LockedQueue,
} from '../../../src/broker/managers/rebalance-lock-manager.ts';

const group = 'GID_orderly';
const q = (queueId: number): LockedQueue => ({ topic: 'T', brokerName: 'broker-a', queueId });
const T0 = 1_000_000;

test('a queue locked by a live client is refused to another client until the holder unlocks it', () => {
  const locks = new RebalanceLockManager();
  assert.deepEqual(locks.tryLockBatch(group, [q(0), q(1)], 'A', T0), [q(0), q(1)]);
  assert.deepEqual(
    locks.tryLockBatch(group, [q(0), q(1), q(2)], 'B', T0 + 10),
    [q(2)],
    'B gets exactly the queue nobody held',
  );
  assert.equal(locks.holder(group, q(0), T0 + 10), 'A');
  assert.equal(locks.holder(group, q(1), T0 + 10), 'A');
  assert.equal(locks.holder(group, q(2), T0 + 10), 'B');

  locks.unlockBatch(group, [q(0)], 'A');
  assert.deepEqual(locks.tryLockBatch(group, [q(0), q(1)], 'B', T0 + 20), [q(0)]);
  assert.equal(locks.holder(group, q(0), T0 + 20), 'B');
  assert.equal(locks.holder(group, q(1), T0 + 20), 'A', 'what A did not unlock stays with A');
});

test('a client that does not hold a queue cannot unlock it', () => {
  const locks = new RebalanceLockManager();
  locks.tryLockBatch(group, [q(0)], 'A', T0);
  locks.unlockBatch(group, [q(0)], 'B');
  assert.equal(locks.holder(group, q(0), T0 + 1), 'A');
  assert.deepEqual(locks.tryLockBatch(group, [q(0)], 'B', T0 + 1), []);
});

test('a lock not renewed within the max live time expires and goes to the next client', () => {
  const locks = new RebalanceLockManager();
  locks.tryLockBatch(group, [q(0)], 'A', T0);
  assert.deepEqual(
    locks.tryLockBatch(group, [q(0)], 'B', T0 + LOCK_MAX_LIVE_TIME_MS),
    [],
    'still live at exactly the max live time',
  );
  assert.equal(locks.holder(group, q(0), T0 + LOCK_MAX_LIVE_TIME_MS + 1), undefined);
  assert.deepEqual(locks.tryLockBatch(group, [q(0)], 'B', T0 + LOCK_MAX_LIVE_TIME_MS + 1), [q(0)]);
  assert.equal(locks.holder(group, q(0), T0 + LOCK_MAX_LIVE_TIME_MS + 1), 'B');
  assert.deepEqual(
    locks.tryLockBatch(group, [q(0)], 'A', T0 + LOCK_MAX_LIVE_TIME_MS + 2),
    [],
    'the old holder does not get it back while the new lock lives',
  );
});

test('a client re-locking its own queue keeps it, and the renewal restarts its live time', () => {
  const locks = new RebalanceLockManager();
  locks.tryLockBatch(group, [q(0), q(1)], 'A', T0);
  const renewedAt = T0 + LOCK_MAX_LIVE_TIME_MS - 1;
  assert.deepEqual(locks.tryLockBatch(group, [q(0)], 'A', renewedAt), [q(0)]);
  // Past the first lock's life: q(1) (not renewed) is free, q(0) (renewed) is still A's.
  assert.deepEqual(locks.tryLockBatch(group, [q(0), q(1)], 'B', T0 + LOCK_MAX_LIVE_TIME_MS + 1), [
    q(1),
  ]);
  assert.equal(locks.holder(group, q(0), renewedAt + LOCK_MAX_LIVE_TIME_MS), 'A');
  assert.deepEqual(locks.tryLockBatch(group, [q(0)], 'B', renewedAt + LOCK_MAX_LIVE_TIME_MS + 1), [
    q(0),
  ]);
});

test('locks of one group do not block another group', () => {
  const locks = new RebalanceLockManager();
  locks.tryLockBatch(group, [q(0)], 'A', T0);
  assert.deepEqual(locks.tryLockBatch('GID_other', [q(0)], 'B', T0 + 1), [q(0)]);
  assert.equal(locks.holder(group, q(0), T0 + 1), 'A');
  assert.equal(locks.holder('GID_other', q(0), T0 + 1), 'B');
});
