/** RocketMQ's default delay levels (messageDelayLevel). */
export const DEFAULT_MESSAGE_DELAY_LEVEL =
  '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };

/** Parses "1s 5s 10s ..." (units ms, s, m, h, d) into milliseconds per level (level 1 first). */
export function parseDelayLevels(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .map((part) => {
      const m = /^(\d+)(ms|s|m|h|d)$/.exec(part);
      if (!m)
        throw new TypeError(
          `Cannot parse delay level "${part}": expected a number and one of ms, s, m, h, d`,
        );
      return Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
    });
}
