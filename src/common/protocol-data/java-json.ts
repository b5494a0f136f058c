/**
 * The JSON dialect of RocketMQ's Remoting bodies. RocketMQ serialises them with fastjson, which
 * writes a `Map` whose keys are objects (a `Map<MessageQueue, Long>`, say) with those objects as
 * keys: `{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:5}}`. That is not JSON, but it
 * is what mqadmin and the Java clients parse, so bodies of those types are written that way here
 * and read either way.
 *
 * In values given to `stringifyJavaJson`, a JS `Map` is written as a Java map: string keys as
 * JSON strings, any other key as its own JSON. `parseJavaJson` returns a `Map` for an object
 * with object keys, and a plain object otherwise (a number key, `{0:"a"}`, becomes "0", as in JS).
 */

/** Writes `value` as fastjson would: like JSON.stringify, with Maps as Java maps. */
export function stringifyJavaJson(value: unknown): string {
  return write(value) ?? 'null';
}

function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    case 'function':
    case 'symbol':
    case 'undefined':
      return undefined;
  }
  if (Array.isArray(value)) return `[${value.map((v) => write(v) ?? 'null').join(',')}]`;
  if (value instanceof Map) {
    const parts: string[] = [];
    for (const [k, v] of value as Map<unknown, unknown>) {
      const w = write(v);
      if (w === undefined) continue;
      parts.push(`${typeof k === 'string' ? JSON.stringify(k) : (write(k) ?? 'null')}:${w}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (value instanceof Set) return write([...(value as Set<unknown>)]);
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value));
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const w = write(v);
    if (w !== undefined) parts.push(`${JSON.stringify(k)}:${w}`);
  }
  return `{${parts.join(',')}}`;
}

/** Parses standard JSON or fastjson's form; throws a SyntaxError naming the offset. */
export function parseJavaJson(text: string): unknown {
  const p = new Parser(text);
  p.space();
  const v = p.value();
  p.space();
  if (p.i < text.length) p.fail('unexpected text after the value');
  return v;
}

/** The [key, value] pairs of a parsed map, whichever form it came in. */
export function mapEntries(map: unknown): [unknown, unknown][] {
  if (map instanceof Map) return [...(map as Map<unknown, unknown>)];
  if (map !== null && typeof map === 'object' && !Array.isArray(map)) return Object.entries(map);
  return [];
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(why: string): never {
    throw new SyntaxError(`${why} at offset ${this.i} of a Java JSON body`);
  }

  space(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s.charAt(this.i))) this.i++;
  }

  value(): unknown {
    const c = this.s.charAt(this.i);
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail(`unexpected ${c === '' ? 'end' : JSON.stringify(c)}`);
  }

  private object(): unknown {
    this.i++;
    const entries: [unknown, unknown][] = [];
    let plain = true;
    this.space();
    if (this.s.charAt(this.i) === '}') {
      this.i++;
      return {};
    }
    for (;;) {
      this.space();
      const key = this.value();
      if (key !== null && typeof key === 'object') plain = false;
      this.space();
      if (this.s.charAt(this.i) !== ':') this.fail('expected ":"');
      this.i++;
      this.space();
      entries.push([key, this.value()]);
      this.space();
      const c = this.s.charAt(this.i++);
      if (c === '}') break;
      if (c !== ',') this.fail('expected "," or "}"');
    }
    if (!plain) return new Map(entries);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[String(k)] = v;
    return out;
  }

  private array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.space();
    if (this.s.charAt(this.i) === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      out.push(this.value());
      this.space();
      const c = this.s.charAt(this.i++);
      if (c === ']') return out;
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s.charAt(this.i);
      if (c === '\\') this.i += 2;
      else if (c === '"') {
        this.i++;
        return JSON.parse(this.s.slice(start, this.i)) as string;
      } else this.i++;
    }
    return this.fail('unterminated string');
  }

  private number(): number {
    const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) return this.fail('bad number');
    this.i += m[0].length;
    return Number(m[0]);
  }
}
