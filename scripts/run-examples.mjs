#!/usr/bin/env node
// Runs every examples/*.ts against a fresh `rmq start` (free ports, temp store) and fails if any
// example exits non-zero or takes longer than 60 s. The examples import `rocketmq-ts/client` as
// users do; tsconfig `paths` maps it to the sources, which tsx honours.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'rmq-examples-'));
const server = spawn(
  process.execPath,
  [
    'bin/rmq.mjs',
    'start',
    '--namesrvPort=0',
    '--listenPort=0',
    '--grpcServerPort=0',
    `--storePathRootDir=${root}`,
    '--mappedFileSizeCommitLog=16777216',
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RMQ_LOG_LEVEL: 'warn' },
  },
);
const lines = [];
await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('rmq start did not become ready')), 30000);
  server.stdout.setEncoding('utf8');
  server.stdout.on('data', (chunk) => {
    lines.push(...chunk.split('\n'));
    if (lines.includes('ready')) {
      clearTimeout(timer);
      resolve();
    }
  });
});
const namesrv = lines.find((l) => l.startsWith('namesrv '))?.split(' ')[1];
let failed = 0;
for (const file of readdirSync('examples')
  .filter((f) => f.endsWith('.ts'))
  .sort()) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('examples', file)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, NAMESRV_ADDR: namesrv },
  });
  const ok = r.status === 0;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'FAILED'} examples/${file} (${Date.now() - started} ms)`);
  if (!ok) console.log(r.stdout, r.stderr);
}
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
rmSync(root, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
