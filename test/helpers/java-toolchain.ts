/**
 * Java for the interop tests: RocketMQ's own Java clients and tools come from Maven Central
 * through a small pom per suite (only its classpath is taken), and the scenario drivers beside it
 * are compiled with javac. A missing `java`, `javac` or `mvn` fails the test with what to install;
 * nothing skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  const srcDir = join(dir, 'src');
  const sources = existsSync(srcDir)
    ? readdirSync(srcDir)
        .filter((f) => f.endsWith('.java'))
        .map((f) => join(srcDir, f))
    : [];
  if (sources.length > 0)
    run(
      'javac',
      ['-nowarn', '-encoding', 'UTF-8', '-cp', classpath, '-d', classes, ...sources],
      dir,
    );
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

type RunOptions = { timeoutMs?: number; jvmArgs?: readonly string[]; home?: string };

/**
 * Runs `mainClass` of a built suite with `args`; resolves when it exits or is killed after
 * `timeoutMs`. `home` keeps the client's logs (it writes under user.home) out of the real one.
 *
 * RocketMQ's Java clients time their calls with the wall clock (`System.currentTimeMillis`): a
 * step of the machine's clock makes a call that was never written fail as timed out ("invokeSync
 * call the addr[...] timeout"). A failed run during which the wall clock moved more than a second
 * away from the monotonic one is therefore run once more, and says so on stderr.
 */
export async function runJava(
  suite: { classpath: string; classes: string },
  mainClass: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<JavaRun> {
  const wall = Date.now();
  const mono = performance.now();
  const first = await spawnJava(suite, mainClass, args, options);
  const step = Date.now() - wall - (performance.now() - mono);
  if (first.code === 0 || Math.abs(step) < 1000) return first;
  process.stderr.write(
    `${mainClass} ${args[0] ?? ''}: the wall clock stepped ${Math.round(step)} ms during a failed run; running it again\n`,
  );
  return spawnJava(suite, mainClass, args, options);
}

function spawnJava(
  suite: { classpath: string; classes: string },
  mainClass: string,
  args: readonly string[],
  options: RunOptions,
): Promise<JavaRun> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'rmq-java-home-'));
  const child = spawn(
    'java',
    [...(options.jvmArgs ?? []), ...jvmArgs(suite, home), mainClass, ...args],
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
      // The client's logs go under the home made for this run: gone with it.
      if (!options.home) rmSync(home, { recursive: true, force: true });
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

/** The JVM arguments every driver runs with: small, quick to start, logs under `home`. */
function jvmArgs(suite: { classpath: string; classes: string }, home: string): string[] {
  return [
    '-Xms64m',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Duser.home=${home}`,
    '-cp',
    `${suite.classes}:${suite.classpath}`,
  ];
}

/**
 * A driver left running, with stdin open: it prints JSON events as it goes and ends when `close()`
 * closes its stdin (or is killed after `timeoutMs`).
 */
export class RunningJava {
  readonly events: Record<string, unknown>[] = [];
  private output = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(
    suite: { classpath: string; classes: string },
    mainClass: string,
    args: readonly string[],
    timeoutMs = 120000,
  ) {
    const home = mkdtempSync(join(tmpdir(), 'rmq-java-home-'));
    this.child = spawn('java', [...jvmArgs(suite, home), mainClass, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    let rest = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk;
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          this.events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not an event
        }
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', (err) => {
        clearTimeout(timer);
        reject(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? new Error(`java is not on PATH: ${INSTALL_HINT}`)
            : err,
        );
      });
      this.child.on('exit', (code) => {
        clearTimeout(timer);
        for (const w of this.waiters.splice(0)) w();
        resolve(code);
      });
    });
  }

  /** Resolves with the first event `match` accepts; fails with the output when the driver ends first. */
  async waitFor(
    match: (e: Record<string, unknown>) => boolean,
    what: string,
  ): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`the driver ended before ${what}:\n${this.output.slice(-6000)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Closes stdin and waits for the driver to end. */
  async close(): Promise<number | null> {
    this.child.stdin?.end();
    return this.exited;
  }
}

/**
 * mqadmin in one JVM for a whole test file (java/mqadmin/src/MqadminSession.java): `run` sends
 * one command line and resolves with everything it printed.
 */
export class MqadminSession {
  private readonly child: ChildProcess;
  private buffer = '';
  private pending: { resolve: (text: string) => void; reject: (err: Error) => void }[] = [];
  private readonly ready: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(suite: { classpath: string; classes: string }) {
    const home = mkdtempSync(join(tmpdir(), 'rmq-mqadmin-home-'));
    this.child = spawn(
      'java',
      [
        `-Drocketmq.home.dir=${home}`,
        '-Drmq.logback.configurationFile=rmq.tools.logback.xml',
        ...jvmArgs(suite, home),
        'MqadminSession',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let readyResolve: () => void = () => undefined;
    this.ready = new Promise((r) => (readyResolve = r));
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      if (this.buffer.startsWith('<<<READY>>>\n')) {
        this.buffer = this.buffer.slice('<<<READY>>>\n'.length);
        readyResolve();
      }
      for (let end = this.buffer.indexOf('\n<<<END>>>\n'); end >= 0;) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + '\n<<<END>>>\n'.length);
        this.pending.shift()?.resolve(text);
        end = this.buffer.indexOf('\n<<<END>>>\n');
      }
    });
    this.child.on('error', (err) => {
      const e =
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(`java is not on PATH: ${INSTALL_HINT}`)
          : err;
      for (const p of this.pending.splice(0)) p.reject(e);
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.splice(0))
        p.reject(new Error(`mqadmin session ended (${code}): ${this.buffer.slice(-2000)}`));
    });
  }

  /** Runs `mqadmin <args...>` and resolves with its output (one command at a time). */
  run(...args: string[]): Promise<string> {
    const next = this.queue.then(async () => {
      await this.ready;
      return new Promise<string>((resolve, reject) => {
        this.pending.push({ resolve, reject });
        this.child.stdin?.write(`${args.join('\t')}\n`);
      });
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.child.stdin?.end();
    if (this.child.exitCode === null) await new Promise((r) => this.child.once('exit', r));
  }
}
