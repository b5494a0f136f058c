#!/usr/bin/env node
// Runs node:test over every *.test.ts under the given folders (or the given files), with tsx for TypeScript. A test that
// hangs is stopped by name after RMQ_TEST_TIMEOUT_MS (test-watchdog.mjs); a file that does not end
// (a hung cleanup, a leaked handle) fails after RMQ_TEST_FILE_TIMEOUT_MS.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
};
for (const root of roots) {
  if (statSync(root).isDirectory()) walk(root);
  else files.push(root);
}
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const watchdog = new URL('./test-watchdog.mjs', import.meta.url).href;
const fileTimeoutMs = Number(process.env.RMQ_TEST_FILE_TIMEOUT_MS ?? 600_000);
const args = ['--import', 'tsx', '--import', watchdog, '--test'];
const res = spawnSync(process.execPath, [...args, `--test-timeout=${fileTimeoutMs}`, ...files], {
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
