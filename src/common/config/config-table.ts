import type { ConfigSchema } from './config-schema.ts';

/** The Markdown table of a schema's keys, as docs/configuration.md shows them. */
export function configTable(schema: ConfigSchema): string {
  const rows = Object.entries(schema).map(([key, f]) => {
    const type = f.type === 'enum' ? f.values.join(' \\| ') : f.type;
    const status = f.supported === false ? 'accepted, ignored' : 'supported';
    return `| \`${key}\` | ${type} | \`${String(f.default)}\` | ${status} | ${f.doc} |`;
  });
  return ['| key | type | default | status | meaning |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}
