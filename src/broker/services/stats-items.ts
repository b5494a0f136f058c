/**
 * Per-key counters by minute, as RocketMQ's BrokerStatsManager keeps them for
 * VIEW_BROKER_STATS_DATA (mqadmin statsAll): TOPIC_PUT_NUMS by topic, GROUP_GET_NUMS by
 * "topic@group", and their _SIZE twins. Each key keeps at most a day of minute buckets.
 */
export const StatsName = {
  TOPIC_PUT_NUMS: 'TOPIC_PUT_NUMS',
  TOPIC_PUT_SIZE: 'TOPIC_PUT_SIZE',
  GROUP_GET_NUMS: 'GROUP_GET_NUMS',
  GROUP_GET_SIZE: 'GROUP_GET_SIZE',
} as const;
export type StatsName = (typeof StatsName)[keyof typeof StatsName];

/** One window of BrokerStatsData. */
export interface StatsWindow {
  sum: number;
  tps: number;
  avgpt: number;
}

export interface BrokerStatsData {
  statsMinute: StatsWindow;
  statsHour: StatsWindow;
  statsDay: StatsWindow;
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

export class StatsItems {
  private readonly items = new Map<string, Map<number, number>>();

  constructor(private readonly now: () => number = Date.now) {}

  add(name: StatsName, key: string, n: number): void {
    const id = `${name} ${key}`;
    let buckets = this.items.get(id);
    if (!buckets) {
      buckets = new Map();
      this.items.set(id, buckets);
    }
    const minute = Math.floor(this.now() / MINUTE_MS);
    buckets.set(minute, (buckets.get(minute) ?? 0) + n);
    if (buckets.size > DAY_MINUTES + 1) {
      for (const m of buckets.keys()) if (m <= minute - DAY_MINUTES) buckets.delete(m);
    }
  }

  /** The last full minute, the last hour and the last day, or undefined for a key never counted. */
  data(name: StatsName, key: string): BrokerStatsData | undefined {
    const buckets = this.items.get(`${name} ${key}`);
    if (!buckets) return undefined;
    const minute = Math.floor(this.now() / MINUTE_MS);
    const window = (minutes: number): StatsWindow => {
      let sum = 0;
      for (const [m, n] of buckets) if (m < minute && m >= minute - minutes) sum += n;
      return { sum, tps: Math.round((sum / (minutes * 60)) * 100) / 100, avgpt: 0 };
    };
    return { statsMinute: window(1), statsHour: window(60), statsDay: window(DAY_MINUTES) };
  }
}
