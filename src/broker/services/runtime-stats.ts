/**
 * The broker's running figures, as RocketMQ's StoreStatsService and BrokerStats keep them: put
 * and get totals, TPS over the last 10 s, 1 min and 10 min from one sample a second, and each
 * day's totals at midnight (local time) for "today" and "yesterday".
 */

import { StatsItems, StatsName } from './stats-items.ts';

/** Counters the send and consume paths add to. */
export interface RuntimeCounters {
  /** Messages stored by client sends. */
  putNums: number;
  putBytes: number;
  putFailed: number;
  /** Longest time one send took to be stored, ms. */
  putTimeMaxMs: number;
  /** Reads that found messages, and reads that found none. */
  getFound: number;
  getMiss: number;
  /** Messages handed to consumers. */
  getTransferred: number;
}

const WINDOWS_S = [10, 60, 600] as const;
const KEEP = 601;

type Sample = RuntimeCounters & { at: number };

export class RuntimeStats {
  readonly bootTimestamp = Date.now();
  private readonly c: RuntimeCounters = {
    putNums: 0,
    putBytes: 0,
    putFailed: 0,
    putTimeMaxMs: 0,
    getFound: 0,
    getMiss: 0,
    getTransferred: 0,
  };
  private readonly samples: Sample[] = [];
  /** Messages handed to each consumer group, and the last 11 seconds' snapshots of that. */
  private readonly groupGets = new Map<string, number>();
  private readonly groupSamples: { at: number; gets: Map<string, number> }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private day = dayOf(Date.now());
  private putTodayMorning = 0;
  private putYesterdayMorning = 0;
  private getTodayMorning = 0;
  private getYesterdayMorning = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.sample();
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Per-key minute counters for VIEW_BROKER_STATS_DATA. */
  readonly items = new StatsItems();

  recordPut(topic: string, messages: number, bytes: number, tookMs: number): void {
    this.items.add(StatsName.TOPIC_PUT_NUMS, topic, messages);
    this.items.add(StatsName.TOPIC_PUT_SIZE, topic, bytes);
    this.c.putNums += messages;
    this.c.putBytes += bytes;
    if (tookMs > this.c.putTimeMaxMs) this.c.putTimeMaxMs = tookMs;
  }

  recordPutFailed(): void {
    this.c.putFailed++;
  }

  /** A read for a consumer group (pull or pop) that handed over `messages`. */
  recordGet(group: string, topic: string, messages: number, bytes: number): void {
    if (messages > 0) {
      this.items.add(StatsName.GROUP_GET_NUMS, `${topic}@${group}`, messages);
      this.items.add(StatsName.GROUP_GET_SIZE, `${topic}@${group}`, bytes);
      this.c.getFound++;
      this.groupGets.set(group, (this.groupGets.get(group) ?? 0) + messages);
    } else this.c.getMiss++;
    this.c.getTransferred += messages;
  }

  /** Messages per second a group consumed over the last 10 s (ConsumeStats.consumeTps). */
  consumeTps(group: string): number {
    const first = this.groupSamples[0];
    const last = this.groupSamples[this.groupSamples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    const delta = (last.gets.get(group) ?? 0) - (first.gets.get(group) ?? 0);
    return Math.round((delta / ((last.at - first.at) / 1000)) * 100) / 100;
  }

  get counters(): Readonly<RuntimeCounters> {
    return this.c;
  }

  /** Takes this second's sample and rolls the daily totals at midnight. */
  sample(): void {
    const at = this.now();
    this.samples.push({ ...this.c, at });
    if (this.samples.length > KEEP) this.samples.shift();
    this.groupSamples.push({ at, gets: new Map(this.groupGets) });
    if (this.groupSamples.length > 11) this.groupSamples.shift();
    const day = dayOf(at);
    if (day !== this.day) {
      this.day = day;
      this.putYesterdayMorning = this.putTodayMorning;
      this.putTodayMorning = this.c.putNums;
      this.getYesterdayMorning = this.getTodayMorning;
      this.getTodayMorning = this.c.getTransferred;
    }
  }

  /** Per second over each window, as RocketMQ prints them: "10s 1min 10min". */
  private tps(field: keyof RuntimeCounters | ((s: RuntimeCounters) => number)): string {
    const value = typeof field === 'function' ? field : (s: RuntimeCounters) => s[field];
    const last = this.samples[this.samples.length - 1] as Sample;
    return WINDOWS_S.map((w) => {
      const first = this.samples[Math.max(0, this.samples.length - 1 - w)] as Sample;
      const seconds = (last.at - first.at) / 1000;
      return javaDouble(seconds > 0 ? (value(last) - value(first)) / seconds : 0);
    }).join(' ');
  }

  /** The GET_BROKER_RUNTIME_INFO keys these figures stand for. */
  runtimeInfo(): Record<string, string> {
    const c = this.c;
    const total = c.putNums;
    return {
      bootTimestamp: String(this.bootTimestamp),
      runtime: formatRuntime(this.now() - this.bootTimestamp),
      putMessageEntireTimeMax: String(c.putTimeMaxMs),
      putMessageTimesTotal: String(total),
      putMessageFailedTimes: String(c.putFailed),
      putMessageSizeTotal: String(c.putBytes),
      putMessageAverageSize: javaDouble(total > 0 ? c.putBytes / total : 0),
      putTps: this.tps('putNums'),
      getFoundTps: this.tps('getFound'),
      getMissTps: this.tps('getMiss'),
      getTotalTps: this.tps((s) => s.getFound + s.getMiss),
      getTransferredTps: this.tps('getTransferred'),
      msgPutTotalYesterdayMorning: String(this.putYesterdayMorning),
      msgPutTotalTodayMorning: String(this.putTodayMorning),
      msgPutTotalTodayNow: String(c.putNums),
      msgGetTotalYesterdayMorning: String(this.getYesterdayMorning),
      msgGetTotalTodayMorning: String(this.getTodayMorning),
      msgGetTotalTodayNow: String(c.getTransferred),
    };
  }
}

function dayOf(ms: number): string {
  return new Date(ms).toDateString();
}

/** Java's Double.toString for the figures RocketMQ prints (always a decimal point). */
export function javaDouble(n: number): string {
  const s = String(Math.round(n * 10000) / 10000);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** "[ 0 days, 1 hours, 2 minutes, 3 seconds ]", RocketMQ's runtime format. */
function formatRuntime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `[ ${Math.floor(s / 86400)} days, ${Math.floor((s % 86400) / 3600)} hours, ${Math.floor((s % 3600) / 60)} minutes, ${s % 60} seconds ]`;
}
