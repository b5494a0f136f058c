/**
 * Java for the interop tests: RocketMQ's own Java clients and tools come from Maven Central
 * through a small pom per suite (only its classpath is taken), and the scenario drivers beside it
 * are compiled with javac. A missing `java`, `javac` or `mvn` fails the test with what to install;
 * nothing skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT =
  'install OpenJDK 17 and Maven (Debian: apt-get install openjdk-17-jdk-headless maven); CI does it in .ci/run';

/** test/interop/java/<suite>: a pom.xml and src/*.java. */
export const javaSuite = (suite: string): string =>
  new URL(`../interop/java/${suite}/`, import.meta.url).pathname;

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error(`${command} is not on PATH: ${INSTALL_HINT}`);
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${r.status}) in ${cwd}:\n${r.stdout}\n${r.stderr}`,
    );
  return r.stdout;
}

const built = new Map<string, { classpath: string; classes: string }>();

/**
 * The suite's Maven classpath (with `-D` properties, e.g. a client version) and its drivers
 * compiled against it, once per process. Maven caches downloads in ~/.m2, so a second run is
 * offline.
 */
export function buildJavaSuite(
  suite: string,
  properties: Record<string, string> = {},
): { classpath: string; classes: string } {
  const key = `${suite} ${JSON.stringify(properties)}`;
  const cached = built.get(key);
  if (cached) return cached;
  const dir = javaSuite(suite);
  const out = mkdtempSync(join(tmpdir(), `rmq-java-${suite}-`));
  const cpFile = join(out, 'classpath.txt');
  run(
    'mvn',
    [
      '-B',
      '-q',
      'dependency:build-classpath',
      `-Dmdep.outputFile=${cpFile}`,
      ...Object.entries(properties).map(([k, v]) => `-D${k}=${v}`),
    ],
    dir,
  );
  const classpath = readFileSync(cpFile, 'utf8').trim();
  const classes = join(out, 'classes');
  mkdirSync(classes);
  const sources = readdirSync(join(dir, 'src'))
    .filter((f) => f.endsWith('.java'))
    .map((f) => join(dir, 'src', f));
  run('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', classpath, '-d', classes, ...sources], dir);
  const result = { classpath, classes };
  built.set(key, result);
  return result;
}

/** What a driver printed: its JSON lines, parsed, and everything else it wrote. */
export interface JavaRun {
  code: number | null;
  events: Record<string, unknown>[];
  output: string;
}

/**
 * Runs `mainClass` of a built suite with `args`; resolves when it exits or is killed after
 * `timeoutMs`. `home` keeps the client's logs (it writes under user.home) out of the real one.
 */
export function runJava(
  suite: { classpath: string; classes: string },
  mainClass: string,
  args: readonly string[],
  options: { timeoutMs?: number; jvmArgs?: readonly string[]; home?: string } = {},
): Promise<JavaRun> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'rmq-java-home-'));
  const child = spawn(
    'java',
    [
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Duser.home=${home}`,
      ...(options.jvmArgs ?? []),
      '-cp',
      `${suite.classes}:${suite.classpath}`,
      mainClass,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(`java is not on PATH: ${INSTALL_HINT}`)
          : err,
      );
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
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

/** The run's events, or an error with its whole output when it failed. */
export function succeededRun(run: JavaRun, what: string): Record<string, unknown>[] {
  const done = run.events.some((e) => e.done === true);
  if (run.code !== 0 || !done)
    throw new Error(`${what} failed (exit ${run.code}):\n${run.output.slice(-6000)}`);
  return run.events;
}
