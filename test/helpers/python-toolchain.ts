/**
 * Python for the interop tests: RocketMQ's own Python client comes from PyPI, pinned in
 * test/interop/python/requirements.txt, installed into a virtualenv under the user's cache
 * directory (keyed by the requirements and the interpreter), so a second run is offline. A
 * missing `python3` (or its venv module) fails the test with what to install; nothing skips.
 * `.ci/run` prepares the same virtualenv by running this file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JavaRun } from './java-toolchain.ts';

const INSTALL_HINT =
  'install Python 3 with its venv module (Debian: apt-get install python3 python3-venv); CI does it in .ci/run';

/** test/interop/python: the scenario drivers and requirements.txt. */
export const pythonSuiteDir = fileURLToPath(new URL('../interop/python/', import.meta.url));

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error(`${command} is not on PATH: ${INSTALL_HINT}`);
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}\n(${INSTALL_HINT})`,
    );
  return r.stdout;
}

/** `$XDG_CACHE_HOME`, or ~/.cache. */
function cacheRoot(): string {
  return process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
}

/**
 * The virtualenv's interpreter with requirements.txt installed: made (python3 -m venv, pip
 * install) when missing, reused otherwise. A stamp written last marks a finished install, so an
 * interrupted one is made again.
 */
export function pythonEnv(): string {
  const requirementsFile = join(pythonSuiteDir, 'requirements.txt');
  const requirements = readFileSync(requirementsFile, 'utf8');
  const interpreter = run('python3', ['-c', 'import sys; print(sys.version)']);
  const key = createHash('sha256')
    .update(requirements)
    .update(interpreter)
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheRoot(), 'rocketmq-ts', `python-${key}`);
  const python = join(dir, 'bin', 'python');
  const stamp = join(dir, '.installed');
  if (existsSync(stamp)) return python;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(cacheRoot(), 'rocketmq-ts'), { recursive: true });
  run('python3', ['-m', 'venv', dir]);
  run(python, [
    '-m',
    'pip',
    'install',
    '-q',
    '--disable-pip-version-check',
    '-r',
    requirementsFile,
  ]);
  writeFileSync(stamp, requirements);
  return python;
}

/**
 * Runs a driver script of test/interop/python with `args`; resolves when it exits or is killed
 * after `timeoutMs`. HOME is a fresh directory, which keeps the client's logs (~/logs) out of
 * the real one.
 */
export function runPython(
  python: string,
  script: string,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<JavaRun> {
  const home = mkdtempSync(join(tmpdir(), 'rmq-python-home-'));
  const child = spawn(python, [join(pythonSuiteDir, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: home, PYTHONUNBUFFERED: '1' },
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      const events: Record<string, unknown>[] = [];
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a log line that happens to start with "{"
        }
      }
      resolve({ code, events, output });
    });
  });
}

// `node --import tsx test/helpers/python-toolchain.ts` (as .ci/run does) prepares the virtualenv.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${pythonEnv()}\n`);
}
