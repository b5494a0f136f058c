/**
 * A small SVG chart of bench:peers: one panel per scenario, one horizontal bar per system (ours
 * highlighted), each panel on its own scale with the value written at the bar's end. Written by
 * hand: a chart library would be more code than the chart.
 */
import type { DurabilityClass, Summary, SystemFigures } from './peer-report.ts';

interface Panel {
  title: string;
  durability: DurabilityClass | undefined;
  pick: (f: SystemFigures) => number | undefined;
}

const PANELS: Panel[] = [
  {
    title: 'sync send, ack after page cache (msg/s)',
    durability: 'page-cache',
    pick: (f) => f.sync_msgs_s,
  },
  { title: 'sync send, fsync before ack (msg/s)', durability: 'fsync', pick: (f) => f.sync_msgs_s },
  {
    title: 'pipelined 1000, page cache (msg/s)',
    durability: 'page-cache',
    pick: (f) => f.pipelined_msgs_s,
  },
  { title: 'pipelined 1000, fsync (msg/s)', durability: 'fsync', pick: (f) => f.pipelined_msgs_s },
  {
    title: 'batch send (ours) vs pipelined (peers), msg/s',
    durability: 'page-cache',
    pick: (f) => f.batch_msgs_s ?? f.pipelined_msgs_s,
  },
  {
    title: 'consume 100k from a backlog (msg/s)',
    durability: undefined,
    pick: (f) => f.consume_msgs_s,
  },
];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));

export function renderChartSvg(s: Summary): string {
  const width = 760;
  const labelW = 250;
  const barMax = width - labelW - 80;
  const barH = 16;
  const gap = 4;
  const out: string[] = [];
  let y = 36;
  out.push(
    `<text x="10" y="22" font-size="15" font-weight="bold">rocketmq-ts vs peers, 1 KiB messages, median of ${s.rounds} rounds (${s.mode})</text>`,
  );
  for (const panel of PANELS) {
    const rows = Object.entries(s.systems)
      .filter(([, f]) => panel.durability === undefined || f.durability === panel.durability)
      .map(([id, f]) => ({ id, label: f.label, value: panel.pick(f) ?? 0 }))
      .filter((r) => r.value > 0);
    const max = Math.max(1, ...rows.map((r) => r.value));
    y += 14;
    out.push(`<text x="10" y="${y}" font-size="13" font-weight="bold">${esc(panel.title)}</text>`);
    y += 6;
    for (const r of rows) {
      const ours = r.id.startsWith('rocketmq-ts');
      const w = Math.max(1, Math.round((r.value / max) * barMax));
      out.push(
        `<text x="${labelW - 6}" y="${y + barH - 4}" font-size="12" text-anchor="end">${esc(r.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${ours ? '#d9480f' : '#868e96'}"/>`,
        `<text x="${labelW + w + 4}" y="${y + barH - 4}" font-size="12">${fmt(r.value)}</text>`,
      );
      y += barH + gap;
    }
    y += 8;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
