#!/usr/bin/env node
// `npm run bench [-- --quick]`: the Remoting, SDK, gRPC, timer and replication benchmarks one after another,
// each in its own process, every one given the same flags; stops at the first that fails.
import { spawnSync } from 'node:child_process';

const benches = [
  'bench/remoting-bench.ts',
  'bench/sdk-bench.ts',
  'bench/grpc-bench.ts',
  'bench/timer-bench.ts',
  'bench/replication-bench.ts',
];
for (const bench of benches) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', bench, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
