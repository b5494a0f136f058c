// Rewrites the generated tables in docs/configuration.md from the config schemas.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/common/config/config-table.ts';
import { storeConfigSchema } from '../src/store/store-config.ts';
import { brokerConfigSchema } from '../src/broker/broker-config.ts';
import { namesrvConfigSchema } from '../src/namesrv/namesrv-config.ts';
import type { ConfigSchema } from '../src/common/config/config-schema.ts';

const tables: [string, ConfigSchema][] = [
  ['store-config', storeConfigSchema],
  ['broker-config', brokerConfigSchema],
  ['namesrv-config', namesrvConfigSchema],
];
const path = new URL('../docs/configuration.md', import.meta.url);
let text = readFileSync(path, 'utf8');
for (const [name, schema] of tables) {
  text = text.replace(
    new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`),
    (_m, a: string, b: string) => `${a}\n${configTable(schema)}\n${b}`,
  );
}
writeFileSync(path, text);
console.log('docs/configuration.md updated');
