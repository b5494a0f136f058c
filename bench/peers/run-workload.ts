import { spawn } from 'node:child_process';
import type { PhaseResult } from './workload-kit.ts';

/**
 * Runs one workload process (`node --import tsx <script> ...flags`) to its end and returns the
 * JSON lines it printed, one per phase. Killed, and rejected with its stderr tail, when it runs
 * past `timeoutMs` or exits with an error.
 */
export function runWorkload(
  script: string,
  flags: Record<string, string | number>,
  timeoutMs: number,
  nodeArgs: readonly string[] = [],
): Promise<PhaseResult[]> {
  const args = [
    ...nodeArgs,
    '--import',
    'tsx',
    new URL(`./workloads/${script}`, import.meta.url).pathname,
    ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RMQ_LOG_LEVEL: 'warn' },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why = signal ? `killed by ${signal} (timeout ${timeoutMs} ms?)` : `exit ${code}`;
        reject(new Error(`${script} ${String(flags.phases)}: ${why}\n${err.trim()}`));
        return;
      }
      const lines = out.split('\n').filter((l) => l.startsWith('{'));
      resolve(lines.map((l) => JSON.parse(l) as PhaseResult));
    });
  });
}
