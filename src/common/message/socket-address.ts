const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_CHARS = /^[0-9a-fA-F:.]+(%.+)?$/;

const isIPv4 = (s: string): boolean => IPV4.test(s);
const isIPv6 = (s: string): boolean =>
  s.includes(':') && IPV6_CHARS.test(s) && s.split('::').length <= 2;

/**
 * A host as RocketMQ stores it: IP bytes then an int32 port, 8 bytes for IPv4 and 20 for IPv6.
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are stored as IPv4, which every client can parse.
 */
export function encodeSocketAddress(host: string, port: number): Buffer {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  const ip = mapped?.[1] ?? host;
  if (isIPv4(ip)) {
    const out = Buffer.alloc(8);
    const parts = ip.split('.');
    for (let i = 0; i < 4; i++) out[i] = Number(parts[i]);
    out.writeInt32BE(port, 4);
    return out;
  }
  if (isIPv6(ip)) {
    const out = Buffer.alloc(20);
    writeIPv6(ip, out);
    out.writeInt32BE(port, 16);
    return out;
  }
  throw new TypeError(`Cannot encode socket address: "${host}" is not an IP address`);
}

function writeIPv6(ip: string, out: Buffer): void {
  const zone = ip.indexOf('%');
  const bare = zone >= 0 ? ip.slice(0, zone) : ip;
  const [head = '', tail] = bare.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  let headGroups = groups(head);
  let tailGroups = tail === undefined ? [] : groups(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4 handled above, other forms here) becomes two groups.
  const expand = (g: string[]): string[] => {
    const last = g[g.length - 1];
    if (last === undefined || !last.includes('.')) return g;
    const b = last.split('.').map(Number);
    return [
      ...g.slice(0, -1),
      (((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16),
      (((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16),
    ];
  };
  headGroups = expand(headGroups);
  tailGroups = expand(tailGroups);
  const all = [
    ...headGroups,
    ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ];
  for (let i = 0; i < 8; i++) out.writeUInt16BE(parseInt(all[i] ?? '0', 16), i * 2);
}

/** Decodes 8 (IPv4) or 20 (IPv6) stored bytes into `host:port` text. */
export function decodeSocketAddress(buf: Uint8Array): { host: string; port: number } {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length === 8) {
    return { host: `${view[0]}.${view[1]}.${view[2]}.${view[3]}`, port: view.readInt32BE(4) };
  }
  if (view.length === 20) {
    const parts: string[] = [];
    for (let i = 0; i < 8; i++) parts.push(view.readUInt16BE(i * 2).toString(16));
    return { host: parts.join(':'), port: view.readInt32BE(16) };
  }
  throw new RangeError(`Cannot decode socket address: expected 8 or 20 bytes, got ${view.length}`);
}
