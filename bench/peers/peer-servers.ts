/**
 * Starts and stops the peer brokers of bench:peers (Redis, NATS JetStream, RabbitMQ from Debian
 * packages) as our own processes: data and logs under a given directory, bound to 127.0.0.1,
 * every port (RabbitMQ's epmd and distribution ports included) picked free at start, so nothing
 * collides with, uses or stops a system service of the same software.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export type Log = (line: string) => void;

export interface PeerServer {
  name: string;
  port: number;
  /** The process doing the work (beam.smp for RabbitMQ), for CPU accounting. */
  pid: number;
  /** SIGTERM, bounded wait, then SIGKILL; also stops helpers it started (epmd). Idempotent. */
  stop: () => Promise<void>;
  /** SIGKILL everything started, synchronously: for a process 'exit' handler. */
  killNow: () => void;
}

export const PEER_BINARIES = {
  redis: '/usr/bin/redis-server',
  nats: '/usr/sbin/nats-server',
  rabbit: '/usr/lib/rabbitmq/bin/rabbitmq-server',
  epmd: '/usr/bin/epmd',
} as const;

const REDIS_UP_MS = 15_000;
const NATS_UP_MS = 15_000;
const RABBIT_UP_MS = 60_000;
const EPMD_UP_MS = 5_000;
const STOP_GRACE_MS = 10_000;
const RABBIT_STOP_GRACE_MS = 30_000;

/** Installs the Debian packages when a peer binary is missing; throws naming what still is. */
export async function ensurePeersInstalled(log: Log): Promise<void> {
  const missing = (): string[] => Object.values(PEER_BINARIES).filter((b) => !existsSync(b));
  if (missing().length === 0) return;
  log(`peer binaries missing (${missing().join(', ')}): installing Debian packages`);
  const asRoot = process.getuid?.() === 0;
  const prefix = !asRoot && existsSync('/usr/bin/sudo') ? ['sudo', '-n'] : [];
  const apt = (args: string[]): Promise<number> =>
    runToStderr([...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args]);
  const install = ['install', '-y', 'redis-server', 'nats-server', 'rabbitmq-server'];
  let code = await apt(install);
  if (code !== 0) {
    log(`apt-get install exited with ${code}: running apt-get update and trying again`);
    await apt(['update']);
    code = await apt(install);
  }
  const still = missing();
  if (still.length > 0) {
    throw new Error(
      `Failed to install the peer brokers (apt-get exited with ${code}): still missing ` +
        `${still.join(', ')}; install redis-server, nats-server and rabbitmq-server`,
    );
  }
}

function runToStderr(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.resolve(1);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 2, 2] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    child.on('error', () => resolve(127));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}

/** `n` distinct free loopback ports: all are held open together, then released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error('Failed to read a free port');
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Spawns `cmd` in its own process group with stdout and stderr appended to `logFile`. */
function spawnLogged(
  cmd: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env, detached: true });
    child.on('error', () => undefined); // surfaced by waitForPort through exitCode / the log
    return child;
  } finally {
    closeSync(fd);
  }
}

const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function tail(files: readonly string[], chars = 3000): string {
  return files
    .filter((f) => existsSync(f))
    .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').slice(-chars)}`)
    .join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

/** Resolves once `port` accepts a connection; rejects when `child` exits or `timeoutMs` passes. */
async function waitForPort(
  name: string,
  port: number,
  child: ChildProcess,
  timeoutMs: number,
  logs: readonly string[],
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.pid === undefined)
      throw new Error(`Failed to start ${name}: spawn failed\n${tail(logs)}`);
    if (exited(child)) {
      throw new Error(
        `Failed to start ${name}: it exited with ${child.exitCode ?? child.signalCode}\n${tail(logs)}`,
      );
    }
    if (await canConnect(port)) return;
    if (performance.now() > deadline) {
      throw new Error(
        `Failed to start ${name}: port ${port} not accepting after ${timeoutMs} ms\n${tail(logs)}`,
      );
    }
    await sleep(100);
  }
}

/** SIGTERM `pid` (default: the child), wait for the child to exit, SIGKILL its group after `graceMs`. */
async function terminate(child: ChildProcess, graceMs: number, pid = child.pid): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(pid, 'SIGTERM');
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs));
  const inTime = await Promise.race([gone.then(() => true), timer]);
  if (!inTime && !exited(child)) {
    killGroup(child);
    await Promise.race([gone, sleep(5000)]);
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid && !exited(child)) signal(-child.pid, 'SIGKILL');
}

/** Builds a PeerServer whose stop() runs once however often it is called. */
function peer(
  name: string,
  port: number,
  pid: number,
  stopOnce: () => Promise<void>,
  killNow: () => void,
): PeerServer {
  let stopping: Promise<void> | undefined;
  return {
    name,
    port,
    pid,
    stop: () => (stopping ??= stopOnce()),
    killNow,
  };
}

async function startSimple(
  name: string,
  cmd: string,
  args: readonly string[],
  port: number,
  logFile: string,
  upMs: number,
): Promise<PeerServer> {
  const child = spawnLogged(cmd, args, logFile);
  try {
    await waitForPort(name, port, child, upMs, [logFile]);
  } catch (e) {
    killGroup(child);
    throw e;
  }
  return peer(
    name,
    port,
    child.pid ?? 0,
    () => terminate(child, STOP_GRACE_MS),
    () => killGroup(child),
  );
}

/** redis-server with AOF on (`appendfsync` as given), RDB snapshots off, data in `dir`. */
export async function startRedis(
  dir: string,
  appendfsync: 'everysec' | 'always',
): Promise<PeerServer> {
  mkdirSync(dir, { recursive: true });
  const [port = 0] = await freePorts(1);
  // Debian's binary name is what makes redis-check-rdb run as the server.
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--protected-mode',
    'yes',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    appendfsync,
    '--save',
    '',
    '--daemonize',
    'no',
  ];
  const name = `redis-${appendfsync}`;
  return startSimple(name, PEER_BINARIES.redis, args, port, join(dir, 'redis.log'), REDIS_UP_MS);
}

/** nats-server with JetStream file storage in `dir`. */
export async function startNats(dir: string): Promise<PeerServer> {
  mkdirSync(dir, { recursive: true });
  const [port = 0] = await freePorts(1);
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'js')];
  return startSimple('nats', PEER_BINARIES.nats, args, port, join(dir, 'nats.log'), NATS_UP_MS);
}

/** The beam.smp below the rabbitmq-server launcher: its pid file, else the launcher's child. */
function findBeam(pidFile: string, launcherPid: number): number | undefined {
  const isBeam = (pid: number): boolean => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('beam');
    } catch {
      return false;
    }
  };
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && isBeam(pid)) return pid;
  }
  try {
    const children = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8');
    return children
      .trim()
      .split(/\s+/)
      .map(Number)
      .find((p) => p > 0 && isBeam(p));
  } catch {
    return undefined;
  }
}

/**
 * A RabbitMQ node of its own (nodename bench<port>@localhost, no plugins), its own epmd on a free
 * loopback port, AMQP and Erlang distribution on free loopback ports, everything under `dir`.
 */
export async function startRabbit(dir: string, log?: Log): Promise<PeerServer> {
  const t0 = performance.now();
  const home = join(dir, 'home');
  const logDir = join(dir, 'log');
  for (const d of [home, logDir, join(dir, 'mnesia')]) mkdirSync(d, { recursive: true });
  const [port = 0, epmdPort = 0, distPort = 0] = await freePorts(3);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`,
  );
  const pidFile = join(dir, 'rabbit.pid');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('RABBITMQ_') && !k.startsWith('ERL_')) env[k] = v;
  }
  Object.assign(env, {
    HOME: home,
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: `bench${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: logDir,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: pidFile,
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  });

  const epmdLog = join(logDir, 'epmd.log');
  const epmd = spawnLogged(
    PEER_BINARIES.epmd,
    ['-address', '127.0.0.1', '-port', String(epmdPort)],
    epmdLog,
    env,
  );
  const launcherLog = join(logDir, 'stdout.log');
  let launcher: ChildProcess | undefined;
  const killAll = (): void => {
    if (launcher) {
      signal(launcher.pid && findBeam(pidFile, launcher.pid), 'SIGKILL');
      killGroup(launcher);
    }
    killGroup(epmd);
  };
  let beam: number | undefined;
  try {
    await waitForPort('epmd', epmdPort, epmd, EPMD_UP_MS, [epmdLog]);
    launcher = spawnLogged(PEER_BINARIES.rabbit, [], launcherLog, env);
    await waitForPort('rabbitmq', port, launcher, RABBIT_UP_MS, [launcherLog]);
    beam = launcher.pid ? findBeam(pidFile, launcher.pid) : undefined;
    if (!beam) throw new Error(`Failed to find the beam.smp of rabbitmq on port ${port}`);
  } catch (e) {
    killAll();
    throw e;
  }
  const up = launcher;
  const beamPid = beam;
  log?.(`rabbitmq on 127.0.0.1:${port} (beam ${beamPid}) up in ${ms(t0)} ms`);
  return peer(
    'rabbitmq',
    port,
    beamPid,
    async () => {
      const s = performance.now();
      // SIGTERM to beam is init:stop(); the launcher shell exits once beam has.
      await terminate(up, RABBIT_STOP_GRACE_MS, beamPid);
      if (alive(beamPid)) signal(beamPid, 'SIGKILL');
      await terminate(epmd, STOP_GRACE_MS);
      log?.(`rabbitmq on port ${port} stopped in ${ms(s)} ms`);
    },
    killAll,
  );
}

const ms = (since: number): number => Math.round(performance.now() - since);

/** Starts peers and remembers them, so one call stops (or, on exit, kills) all still running. */
export class PeerServers {
  readonly #running = new Set<PeerServer>();

  constructor(private readonly log?: Log) {}

  startRedis(dir: string, appendfsync: 'everysec' | 'always'): Promise<PeerServer> {
    return this.#track(startRedis(dir, appendfsync));
  }

  startNats(dir: string): Promise<PeerServer> {
    return this.#track(startNats(dir));
  }

  startRabbit(dir: string): Promise<PeerServer> {
    return this.#track(startRabbit(dir, this.log));
  }

  /** Stops every peer still running, most recent first. */
  async stopAll(): Promise<void> {
    for (const s of [...this.#running].reverse()) {
      await s.stop();
      this.#running.delete(s);
    }
  }

  /** SIGKILLs every peer still running; synchronous, for process.on('exit'). */
  killAllNow(): void {
    for (const s of this.#running) s.killNow();
    this.#running.clear();
  }

  async #track(starting: Promise<PeerServer>): Promise<PeerServer> {
    const s = await starting;
    const stop = s.stop;
    const tracked: PeerServer = {
      ...s,
      stop: async () => {
        await stop();
        this.#running.delete(tracked);
      },
    };
    this.#running.add(tracked);
    return tracked;
  }
}
