// Rewrites the generated tables in docs/configuration.md from the config schemas.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/common/config/config-table.ts';
import { storeConfigSchema } from '../src/store/store-config.ts';

const path = new URL('../docs/configuration.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const out = text.replace(
  /(<!-- store-config:start -->)[\s\S]*?(<!-- store-config:end -->)/,
  (_m, a: string, b: string) => `${a}\n${configTable(storeConfigSchema)}\n${b}`,
);
writeFileSync(path, out);
console.log('docs/configuration.md updated');
