import { execFile } from 'node:child_process';

const RMQ = new URL('../../bin/rmq.mjs', import.meta.url).pathname;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node bin/rmq.mjs admin <args>` as a user runs it, in a child process (asynchronously, so a
 * cluster in this process keeps serving it).
 */
export function rmqAdmin(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [RMQ, 'admin', ...args],
      { encoding: 'utf8', timeout: 30000 },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** The run's stdout; fails with its stderr unless it exited 0. */
export async function rmqAdminOk(...args: string[]): Promise<string> {
  const r = await rmqAdmin(...args);
  if (r.status !== 0)
    throw new Error(`rmq admin ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The body files a printed message names (mqadmin's Message Body Path), for a test to remove. */
export function bodyFilesOf(out: string): string[] {
  return [...out.matchAll(/^Message Body Path:\s+(.+)$/gm)].map((m) => m[1] ?? '');
}
