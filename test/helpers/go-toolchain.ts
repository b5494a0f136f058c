/**
 * Go for the interop tests: RocketMQ's own Go Remoting client (github.com/apache/rocketmq-client-go/v2)
 * comes from the Go module proxy at the version test/interop/go/go.mod pins, and the scenario
 * driver beside it is built with `go build` once per process. A missing `go` fails the test with
 * what to install; nothing skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT =
  'install Go 1.19 or newer (Debian: apt-get install golang); CI does it in .ci/run';

/** test/interop/go: go.mod, go.sum and the driver's main.go. */
export const goSuiteDir = (): string => new URL('../interop/go/', import.meta.url).pathname;

let built: string | undefined;

/**
 * The driver's binary, built once per process into a temp folder. Modules come from the default
 * module cache (.ci/run fills it with `go mod download`), so a second run is offline; `-mod=mod`
 * lets a missing go.sum line be fetched, `-buildvcs=false` keeps git out of the build.
 */
export function buildGoSuite(): string {
  if (built) return built;
  const dir = goSuiteDir();
  const binary = join(mkdtempSync(join(tmpdir(), 'rmq-go-interop-')), 'go-scenarios');
  const r = spawnSync('go', ['build', '-mod=mod', '-buildvcs=false', '-o', binary, '.'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error(`go is not on PATH: ${INSTALL_HINT}`);
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`go build failed (${r.status}) in ${dir}:\n${r.stdout}\n${r.stderr}`);
  built = binary;
  return binary;
}

/** What the driver printed: its JSON lines, parsed, and everything it wrote. */
export interface GoRun {
  code: number | null;
  /** SIGKILL when the run outlived its timeout. */
  signal: NodeJS.Signals | null;
  events: Record<string, unknown>[];
  output: string;
}

/** Runs the built driver with `args`; resolves when it exits or is killed after `timeoutMs`. */
export function runGo(
  binary: string,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<GoRun> {
  // The client logs at info level to stderr; the driver lowers it to errors, which stay in
  // `output` for a failure's message. HOME keeps anything it writes (a broadcasting consumer's
  // offsets) out of the real one.
  const home = mkdtempSync(join(tmpdir(), 'rmq-go-home-'));
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: home },
  });
  let stdout = '';
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    output += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      const events: Record<string, unknown>[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not one of the driver's lines
        }
      }
      resolve({ code, signal, events, output });
    });
  });
}

/** The run's events, or an error with its output when it failed. */
export function succeededRun(run: GoRun, what: string): Record<string, unknown>[] {
  const done = run.events.some((e) => e.done === true);
  if (run.code !== 0 || !done)
    throw new Error(`${what} failed (exit ${run.code ?? run.signal}):\n${run.output.slice(-6000)}`);
  return run.events;
}
