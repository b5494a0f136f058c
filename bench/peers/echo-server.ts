/**
 * Loopback TCP echo server for the machine-limits measurement: frames are [u32 length][body],
 * each complete frame is written back, writes coalesced per 'data' event (cork/uncork) as a
 * broker would. Listens on an ephemeral 127.0.0.1 port and prints it as one line on stdout.
 * Exits when its stdin closes (the parent went away), on SIGTERM, or after 10 minutes.
 */
import net from 'node:net';

const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  let acc: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    acc = acc.length > 0 ? Buffer.concat([acc, chunk]) : chunk;
    let off = 0;
    sock.cork();
    while (acc.length - off >= 4) {
      const len = acc.readUInt32BE(off);
      if (acc.length - off < 4 + len) break;
      sock.write(acc.subarray(off, off + 4 + len));
      off += 4 + len;
    }
    sock.uncork();
    acc = off === acc.length ? Buffer.alloc(0) : acc.subarray(off);
  });
  sock.on('error', (e) => process.stderr.write(`echo-server: ${e.message}\n`));
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('Failed to read the echo port');
  process.stdout.write(`${addr.port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), 600_000).unref();
