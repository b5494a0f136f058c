/**
 * The machine's own limits that bound any broker on it, measured next to the peers so the
 * comparison has floors: a Node loopback TCP round trip (echo server in a second process),
 * Node framing throughput with 1000 frames in flight, write + fdatasync of 1 KiB into a
 * pre-written file, and buffered sequential writing with one fdatasync at the end.
 * Everything is bounded by a count and by time; files live under `opts.dir` and are removed.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './workload-kit.ts';

export interface MachineLimits {
  echo_rtt_p50_us: number;
  echo_rtt_p99_us: number;
  echo_rtt_per_s: number;
  echo_1000_inflight_per_s: number;
  fdatasync_per_s: number;
  fdatasync_p50_us: number;
  buffered_write_mb_s: number;
}

const SIZE = 1024;
const MiB = 1 << 20;

const PLAN = {
  quick: {
    pingPong: 20_000,
    inflight: 300_000,
    echoSeconds: 5,
    syncs: 40_000,
    syncSeconds: 2,
    bufferedMiB: 256,
    bufferedSeconds: 20,
  },
  full: {
    pingPong: 100_000,
    inflight: 2_000_000,
    echoSeconds: 20,
    syncs: 100_000,
    syncSeconds: 5,
    bufferedMiB: 1024,
    bufferedSeconds: 60,
  },
} as const;

export async function measureMachineLimits(opts: {
  quick: boolean;
  dir: string;
}): Promise<MachineLimits> {
  const plan = opts.quick ? PLAN.quick : PLAN.full;
  mkdirSync(opts.dir, { recursive: true });
  const echo = await measureEcho(plan.pingPong, plan.inflight, plan.echoSeconds);
  const sync = measureFdatasync(opts.dir, plan.syncs, plan.syncSeconds);
  const buffered = measureBufferedWrite(opts.dir, plan.bufferedMiB, plan.bufferedSeconds);
  return { ...echo, ...sync, buffered_write_mb_s: buffered };
}

interface EchoRun {
  msgs: number;
  secs: number;
  lat: Float64Array;
}

async function measureEcho(
  pingPong: number,
  inflight: number,
  seconds: number,
): Promise<
  Pick<
    MachineLimits,
    'echo_rtt_p50_us' | 'echo_rtt_p99_us' | 'echo_rtt_per_s' | 'echo_1000_inflight_per_s'
  >
> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = fileURLToPath(new URL('./echo-server.ts', import.meta.url));
  // stdin stays a pipe: the server exits when it closes, even if this process dies
  const server = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const port = await readPort(server.stdout, 30_000);
    // Warm-ups (JIT, socket buffers): without one, 300k frames in flight measure half of 2M.
    await echoRun(port, 1, 2000, seconds);
    const rtt = await echoRun(port, 1, pingPong, seconds);
    await echoRun(port, 1000, 200_000, seconds);
    const many = await echoRun(port, 1000, inflight, seconds);
    const l = summarize(rtt.lat, rtt.msgs);
    return {
      echo_rtt_p50_us: l.p50_us,
      echo_rtt_p99_us: l.p99_us,
      echo_rtt_per_s: Math.round(rtt.msgs / rtt.secs),
      echo_1000_inflight_per_s: Math.round(many.msgs / many.secs),
    };
  } finally {
    server.stdin.end();
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  }
}

function readPort(stdout: NodeJS.ReadableStream, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stdout.removeListener('data', onData);
      reject(new Error(`Failed to start the echo server: no port within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      stdout.removeListener('data', onData);
      const port = Number(text.slice(0, nl));
      if (port > 0) resolve(port);
      else reject(new Error(`Failed to start the echo server: it printed '${text.slice(0, nl)}'`));
    };
    stdout.on('data', onData);
    stdout.once('end', () => {
      clearTimeout(timer);
      reject(new Error('Failed to start the echo server: it exited'));
    });
  });
}

/** `window` 1 KiB frames in flight on one connection until `count` came back or `seconds`. */
async function echoRun(
  port: number,
  window: number,
  count: number,
  seconds: number,
): Promise<EchoRun> {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const frame = Buffer.alloc(4 + SIZE, 0x61);
  frame.writeUInt32BE(SIZE, 0);
  const timeLat = window === 1;
  const lat = new Float64Array(timeLat ? count : 0);
  let sentAt = 0;
  let sent = 0;
  let recv = 0;
  let stop = false;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  try {
    await new Promise<void>((resolve, reject) => {
      let acc: Buffer = Buffer.alloc(0);
      const sendSome = (k: number): void => {
        sentAt = performance.now();
        sock.cork();
        for (let i = 0; i < k && sent < count && !stop; i++) {
          sock.write(frame);
          sent++;
        }
        sock.uncork();
      };
      sock.on('error', reject);
      sock.on('close', () => reject(new Error('Echo connection closed early')));
      sock.on('data', (chunk: Buffer) => {
        acc = acc.length > 0 ? Buffer.concat([acc, chunk]) : chunk;
        let off = 0;
        let got = 0;
        while (acc.length - off >= 4) {
          const len = acc.readUInt32BE(off);
          if (acc.length - off < 4 + len) break;
          if (timeLat) lat[recv] = (performance.now() - sentAt) * 1000;
          recv++;
          got++;
          off += 4 + len;
        }
        acc = off === acc.length ? Buffer.alloc(0) : acc.subarray(off);
        if (performance.now() > deadline) stop = true;
        if (recv >= count || (stop && recv === sent)) resolve();
        else if (got > 0) sendSome(got);
      });
      sendSome(window);
    });
  } finally {
    sock.destroy();
  }
  return { msgs: recv, secs: (performance.now() - t0) / 1000, lat };
}

/** write(1 KiB) + fdatasync at increasing offsets of a pre-written, synced file. */
function measureFdatasync(
  dir: string,
  maxSyncs: number,
  seconds: number,
): Pick<MachineLimits, 'fdatasync_per_s' | 'fdatasync_p50_us'> {
  const file = join(dir, `fdatasync-${process.pid}.dat`);
  const buf = Buffer.alloc(SIZE, 0x61);
  const lat = new Float64Array(maxSyncs);
  try {
    // real zeros, not fallocate: unwritten extents would still cost a metadata change per sync
    const fd = openSync(file, 'w');
    try {
      const zeros = Buffer.alloc(MiB);
      const total = maxSyncs * SIZE;
      for (let off = 0; off < total; off += MiB) {
        writeSync(fd, zeros, 0, Math.min(MiB, total - off), off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const rw = openSync(file, 'r+');
    let n = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    try {
      while (n < maxSyncs) {
        const s = performance.now();
        writeSync(rw, buf, 0, SIZE, n * SIZE);
        fdatasyncSync(rw);
        const e = performance.now();
        lat[n++] = (e - s) * 1000;
        if (e > deadline) break;
      }
    } finally {
      closeSync(rw);
    }
    const secs = (performance.now() - t0) / 1000;
    return {
      fdatasync_per_s: Math.round(n / secs),
      fdatasync_p50_us: summarize(lat, n).p50_us,
    };
  } finally {
    rmSync(file, { force: true });
  }
}

/** 1 MiB buffered writes, one fdatasync at the end (dd conv=fdatasync); MB/s incl. the sync. */
function measureBufferedWrite(dir: string, mib: number, seconds: number): number {
  const file = join(dir, `buffered-${process.pid}.dat`);
  const buf = Buffer.alloc(MiB, 0x61);
  try {
    const fd = openSync(file, 'w');
    let written = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    try {
      for (let i = 0; i < mib; i++) {
        written += writeSync(fd, buf, 0, MiB, written);
        if (performance.now() > deadline) break;
      }
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const secs = (performance.now() - t0) / 1000;
    return Math.round((written / secs / 1e6) * 10) / 10;
  } finally {
    rmSync(file, { force: true });
  }
}
