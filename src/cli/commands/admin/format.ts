import { UsageError } from '../../usage-error.ts';

/** Rows as columns two spaces apart, each as wide as its widest cell; the first row is the header. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `key<pad>: value` lines, as brokerStatus and the consumer properties print. */
export function keyValueLines(entries: Iterable<readonly [string, string]>, width = 32): string {
  return [...entries].map(([k, v]) => `${k.padEnd(width)}: ${v}`).join('\n');
}

/** `key<pad>=  value` lines, as getBrokerConfig and getNamesrvConfig print. */
export function propertyLines(entries: Iterable<readonly [string, string]>): string {
  return [...entries]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k.padEnd(50)}=  ${v}`)
    .join('\n');
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** mqadmin's local time: yyyy-MM-dd HH:mm:ss,SSS (UtilAll.timeMillisToHumanString2). */
export function humanTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

/** consumerProgress's last consume time: yyyy-MM-dd HH:mm:ss, or N/A. */
export function shortTime(ms: number): string {
  return ms > 0 ? humanTime(ms).slice(0, 19) : 'N/A';
}

/** A map as Java prints one: {a=1, b=2}. */
export function javaMap(entries: Iterable<readonly [string, unknown]>): string {
  return `{${[...entries].map(([k, v]) => `${k}=${String(v)}`).join(', ')}}`;
}

/** A Java object's toString as RocketMQ writes them: Name [a=1, b=2]. */
export function javaObject(name: string, fields: Record<string, unknown>): string {
  const text = (v: unknown): string =>
    v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `${name} [${Object.entries(fields)
    .map(([k, v]) => `${k}=${text(v)}`)
    .join(', ')}]`;
}

/** MessageQueue's toString. */
export function queueText(q: { topic: string; brokerName: string; queueId: number }): string {
  return `MessageQueue [topic=${q.topic}, brokerName=${q.brokerName}, queueId=${q.queueId}]`;
}

/** PermName.perm2String: "RW-", "R--", "-W-". */
export function permText(perm: number): string {
  return `${perm & 4 ? 'R' : '-'}${perm & 2 ? 'W' : '-'}${perm & 1 ? 'X' : '-'}`;
}

/**
 * mqadmin's timestamps: "now", ms since the epoch (-1 = the end), or local
 * yyyy-MM-dd#HH:mm:ss:SSS; `flag` names the flag in the usage error.
 */
export function parseTimestamp(text: string, flag = '-s'): number {
  if (text === 'now') return Date.now();
  if (/^-?\d+$/.test(text)) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(text);
  if (m) {
    const [y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0] = m.slice(1).map(Number);
    const date = new Date(y, mo - 1, d, h, mi, sec, ms);
    // The Date constructor rolls 2024-02-30 over into March; such a date is a mistake here.
    if (date.getMonth() === mo - 1 && date.getDate() === d && h < 24 && mi < 60 && sec < 60)
      return date.getTime();
  }
  throw new UsageError(
    `${flag} "${text}" is not a timestamp: use now, ms since the epoch or yyyy-MM-dd#HH:mm:ss:SSS`,
  );
}

/** A body in the named charset (mqadmin's -f / -c); an unknown charset is a usage error. */
export function decodeBody(body: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    throw new UsageError(`"${charset}" is not a charset this Node.js knows (try UTF-8 or GBK)`);
  }
}
