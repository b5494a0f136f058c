import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Starts a process and resolves once it prints `ready`, with the lines it printed. */
export function launch(
  args: string[],
  stdio: StdioOptions = ['ignore', 'pipe', 'inherit'],
  command = process.execPath,
): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(command, args, {
    stdio,
    env: { ...process.env, RMQ_LOG_LEVEL: 'warn' },
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready from ${args.join(' ')}`)), 30000);
    let rest = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.includes('ready')) {
        clearTimeout(timer);
        resolve({ child, lines });
      }
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

const RMQ = new URL('../bin/rmq.mjs', import.meta.url).pathname;

/** The node arguments of `rmq start` on ephemeral ports, storing under `storePathRootDir`. */
export function standaloneArgs(
  storePathRootDir: string,
  extraArgs: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): string[] {
  return [
    ...nodeArgs,
    RMQ,
    'start',
    '--namesrvPort=0',
    '--listenPort=0',
    '--grpcServerPort=0',
    `--storePathRootDir=${storePathRootDir}`,
    ...extraArgs,
  ];
}

/** The addresses `rmq start` printed. */
export function standaloneAddresses(lines: readonly string[]): {
  namesrv: string;
  broker: string;
  grpc: string;
} {
  return {
    namesrv: printedAddress(lines, 'namesrv'),
    broker: printedAddress(lines, 'broker'),
    grpc: printedAddress(lines, 'grpc'),
  };
}

/** A standalone name server + broker (`rmq start`) on ephemeral ports, storing under `storePathRootDir`. */
export async function launchStandalone(
  storePathRootDir: string,
  extraArgs: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): Promise<{
  child: ChildProcess;
  lines: string[];
  namesrv: string;
  broker: string;
  grpc: string;
}> {
  const started = await launch(standaloneArgs(storePathRootDir, extraArgs, nodeArgs));
  return { ...started, ...standaloneAddresses(started.lines) };
}

/** The address a launched process printed on its line `<label> <host:port>`. */
export function printedAddress(lines: readonly string[], label: string): string {
  const addr = lines.find((l) => l.startsWith(`${label} `))?.split(' ')[1];
  if (!addr) throw new Error(`no "${label} <address>" line among: ${lines.join(' | ')}`);
  return addr;
}

/** Peak resident set of a process (VmHWM), in MB. */
export function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** The p-th percentile of samples (rounded). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  return Math.round(
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0,
  );
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
