/** A queue as lock requests name it. */
export interface LockedQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** How long a lock lives without renewal (RocketMQ's rocketmq.broker.rebalance.lockMaxLiveTime). */
export const LOCK_MAX_LIVE_TIME_MS = 60000;

const key = (q: LockedQueue): string => `${q.topic}@${q.queueId}`;

/**
 * Queue locks of orderly consumers (RocketMQ's RebalanceLockManager): a queue of a group is
 * consumed by the one client holding its lock; a lock expires unless renewed.
 */
export class RebalanceLockManager {
  private readonly groups = new Map<
    string,
    Map<string, { clientId: string; lastUpdate: number }>
  >();

  /** Locks what it can for `clientId`; returns the queues now locked by it. */
  tryLockBatch(
    group: string,
    queues: readonly LockedQueue[],
    clientId: string,
    now = Date.now(),
  ): LockedQueue[] {
    let table = this.groups.get(group);
    if (!table) {
      table = new Map();
      this.groups.set(group, table);
    }
    const locked: LockedQueue[] = [];
    for (const q of queues) {
      const held = table.get(key(q));
      if (!held || held.clientId === clientId || held.lastUpdate + LOCK_MAX_LIVE_TIME_MS < now) {
        table.set(key(q), { clientId, lastUpdate: now });
        locked.push(q);
      }
    }
    return locked;
  }

  unlockBatch(group: string, queues: readonly LockedQueue[], clientId: string): void {
    const table = this.groups.get(group);
    if (!table) return;
    for (const q of queues) if (table.get(key(q))?.clientId === clientId) table.delete(key(q));
  }

  /** Who holds the queue's lock now, if anyone. */
  holder(group: string, queue: LockedQueue, now = Date.now()): string | undefined {
    const held = this.groups.get(group)?.get(key(queue));
    return held && held.lastUpdate + LOCK_MAX_LIVE_TIME_MS >= now ? held.clientId : undefined;
  }
}
