// A server that answers every Remoting request with a canned SUCCESS and stores nothing: the
// generator's own ceiling, measured beside the real broker by remoting-bench.ts. It splits frames
// and copies the opaque out of the header bytes, nothing more, so it costs far less than any
// real server and the generator is what it measures. Prints its port, then serves.
import { createServer } from 'node:net';

const OPAQUE = Buffer.from('"opaque":');
const head = Buffer.from(
  '{"code":0,"language":"JAVA","version":479,"flag":1,"extFields":{"msgId":"7F00000100002A9F0000000000000000","queueId":"0","queueOffset":"0"},"opaque":',
);

function response(opaque: Buffer): Buffer {
  const header = Buffer.concat([head, opaque, Buffer.from('}')]);
  const out = Buffer.allocUnsafe(8 + header.length);
  out.writeInt32BE(4 + header.length, 0);
  out.writeInt32BE(header.length, 4);
  header.copy(out, 8);
  return out;
}

const server = createServer((socket) => {
  let pending: Buffer = Buffer.alloc(0);
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const out: Buffer[] = [];
    let p = 0;
    while (pending.length - p >= 8) {
      const length = pending.readInt32BE(p);
      if (pending.length - p - 4 < length) break;
      const headerLength = pending.readInt32BE(p + 4) & 0xffffff;
      const header = pending.subarray(p + 8, p + 8 + headerLength);
      const at = header.indexOf(OPAQUE) + OPAQUE.length;
      let end = at;
      while (end < header.length && header[end] !== 0x2c && header[end] !== 0x7d) end++;
      out.push(response(header.subarray(at, end)));
      p += 4 + length;
    }
    pending = pending.subarray(p);
    if (out.length > 0) socket.write(Buffer.concat(out));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(
    `discard 127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\nready\n`,
  );
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
