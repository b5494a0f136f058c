/** A pull waiting for a message on its queue. */
interface HeldPull {
  offset: number;
  wake: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Long polling (RocketMQ's PullRequestHoldService): a pull that found nothing waits here until a
 * message arrives on its queue or its time is up, then runs again. Woken in arrival order; the
 * caller drops waits whose connection closed.
 */
export class PullRequestHoldService {
  private readonly held = new Map<string, Set<HeldPull>>();

  private static key(topic: string, queueId: number): string {
    return `${topic}@${queueId}`;
  }

  /** Waits until the queue's max offset passes `offset` or `timeoutMs` passes. */
  hold(
    topic: string,
    queueId: number,
    offset: number,
    timeoutMs: number,
    cancel?: (abort: () => void) => (() => void) | void,
  ): Promise<void> {
    const key = PullRequestHoldService.key(topic, queueId);
    return new Promise((resolve) => {
      let set = this.held.get(key);
      if (!set) {
        set = new Set();
        this.held.set(key, set);
      }
      const entries = set;
      let unregister: (() => void) | void = undefined;
      const entry: HeldPull = {
        offset,
        wake: () => {
          clearTimeout(entry.timer);
          if (unregister) unregister();
          entries.delete(entry);
          if (entries.size === 0 && this.held.get(key) === entries) this.held.delete(key);
          resolve();
        },
        timer: setTimeout(() => entry.wake(), timeoutMs),
      };
      entries.add(entry);
      unregister = cancel?.(() => entry.wake());
    });
  }

  /** A message arrived: wakes the pulls on that queue waiting below `maxOffset`. */
  notifyMessageArriving(topic: string, queueId: number, maxOffset: number): void {
    const set = this.held.get(PullRequestHoldService.key(topic, queueId));
    if (!set) return;
    for (const entry of [...set]) if (maxOffset > entry.offset) entry.wake();
  }

  get heldCount(): number {
    let n = 0;
    for (const s of this.held.values()) n += s.size;
    return n;
  }

  /** Wakes everything (shutdown): each pull then answers with what it finds. */
  shutdown(): void {
    for (const set of [...this.held.values()]) for (const entry of [...set]) entry.wake();
  }
}
