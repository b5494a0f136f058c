/**
 * Apache RocketMQ's own name server and broker (5.5.0 from Maven Central, unmodified) on
 * 127.0.0.1, for the differential tests: the same scenarios run against it and against ours.
 * JVM settings follow ../shared/anchors/real-peers-and-clients.md (small heaps, JDK 17 opens).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJavaSuite } from './java-toolchain.ts';

const JDK17_OPENS = [
  '--add-opens',
  'java.base/java.lang=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.nio=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.util=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens',
  'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-exports',
  'java.base/sun.nio.ch=ALL-UNNAMED',
];

export interface ApacheRocketMQ {
  namesrv: string;
  broker: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A listen port whose VIP (-2) and HA (+1) neighbours are free too, as the broker opens all three. */
async function brokerPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (p < 1024 || p > 65000) continue;
    if ((await portFree(p - 2)) && (await portFree(p + 1))) return p;
  }
  throw new Error('no free broker port with free neighbours after 20 tries');
}

/** Starts `mainClass` and resolves once it prints "boot success"; rejects with its output if it exits. */
function boot(
  args: string[],
  what: string,
  timeoutMs: number,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not boot in ${timeoutMs} ms:\n${out.slice(-4000)}`));
    }, timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (out.includes('boot success')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before booting:\n${out.slice(-4000)}`));
    });
  });
}

async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

/** A Java process of the Apache distribution: its address, its folder, and how to stop it. */
export interface ApacheProcess {
  addr: string;
  /** The process's folder (a broker's store is `${base}/store`). */
  base: string;
  stop(): Promise<void>;
}

function jvmCommon(base: string): string[] {
  const { classpath } = buildJavaSuite('apache-broker');
  mkdirSync(join(base, 'home'), { recursive: true });
  return [
    `-Duser.home=${join(base, 'home')}`,
    `-Drocketmq.home.dir=${base}`,
    '-XX:+UseG1GC',
    ...JDK17_OPENS,
    '-cp',
    classpath,
  ];
}

/** Apache RocketMQ's name server on a free port. */
export async function startApacheNamesrv(): Promise<ApacheProcess> {
  const base = mkdtempSync(join(tmpdir(), 'rmq-apache-ns-'));
  const nsPort = await freePort();
  writeFileSync(join(base, 'namesrv.conf'), `listenPort=${nsPort}\nbindAddress=127.0.0.1\n`);
  const ns = await boot(
    [
      '-Xms256m',
      '-Xmx256m',
      '-Drmq.logback.configurationFile=rmq.namesrv.logback.xml',
      ...jvmCommon(base),
      'org.apache.rocketmq.namesrv.NamesrvStartup',
      '-c',
      join(base, 'namesrv.conf'),
    ],
    'the Apache name server',
    60000,
  );
  return {
    addr: `127.0.0.1:${nsPort}`,
    base,
    async stop() {
      await end(ns.child);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * One Apache RocketMQ broker registered with `namesrv` (Apache's or ours), broker-a's master
 * unless `brokerConf` says otherwise; its HA channel is on listenPort + 1.
 */
export async function startApacheBroker(
  namesrv: string,
  brokerConf: Record<string, string> = {},
): Promise<ApacheProcess> {
  const base = mkdtempSync(join(tmpdir(), 'rmq-apache-broker-'));
  const port = await brokerPort();
  const conf = {
    brokerClusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerId: '0',
    brokerRole: 'ASYNC_MASTER',
    flushDiskType: 'ASYNC_FLUSH',
    namesrvAddr: namesrv,
    brokerIP1: '127.0.0.1',
    bindAddress: '127.0.0.1',
    listenPort: String(port),
    storePathRootDir: join(base, 'store'),
    storePathCommitLog: join(base, 'store', 'commitlog'),
    mappedFileSizeCommitLog: String(64 * 1024 * 1024),
    diskMaxUsedSpaceRatio: '95',
    diskSpaceWarningLevelRatio: '98',
    ...brokerConf,
  };
  writeFileSync(
    join(base, 'broker.conf'),
    Object.entries(conf)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  let broker: Awaited<ReturnType<typeof boot>>;
  try {
    broker = await boot(
      [
        '-Xms512m',
        '-Xmx512m',
        '-XX:MaxDirectMemorySize=512m',
        '-Drmq.logback.configurationFile=rmq.broker.logback.xml',
        ...jvmCommon(base),
        'org.apache.rocketmq.broker.BrokerStartup',
        '-c',
        join(base, 'broker.conf'),
      ],
      'the Apache broker',
      120000,
    );
  } catch (err) {
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  return {
    addr: `127.0.0.1:${port}`,
    base,
    async stop() {
      await end(broker.child);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Apache RocketMQ's name server and one broker, with the given extra broker.conf lines. */
export async function startApacheRocketMQ(
  brokerConf: Record<string, string> = {},
): Promise<ApacheRocketMQ> {
  const ns = await startApacheNamesrv();
  let broker: ApacheProcess;
  try {
    broker = await startApacheBroker(ns.addr, brokerConf);
  } catch (err) {
    await ns.stop();
    throw err;
  }
  return {
    namesrv: ns.addr,
    broker: broker.addr,
    async stop() {
      await broker.stop();
      await ns.stop();
    },
  };
}
