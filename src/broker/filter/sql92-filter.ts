/**
 * RocketMQ's SQL92 message filter (its SelectorParser grammar, adapted from JMS selectors):
 * comparisons, BETWEEN, IN, IS [NOT] NULL, [NOT] CONTAINS / STARTSWITH / ENDSWITH, AND OR NOT,
 * parentheses; string, integer (optional L), float and boolean literals, NULL; three-valued logic
 * (a missing property is NULL, unknown never matches); a string compared with a number or a
 * boolean is converted to that type. No arithmetic, LIKE or functions, as in RocketMQ.
 */

export class Sql92ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Sql92ParseError';
  }
}

type Value = string | number | boolean | null;
type Node =
  | { k: 'lit'; v: Value }
  | { k: 'id'; name: string }
  | { k: 'and' | 'or'; a: Node; b: Node }
  | { k: 'not' | 'neg'; a: Node }
  | { k: 'cmp'; op: '=' | '<>' | '>' | '>=' | '<' | '<='; a: Node; b: Node }
  | { k: 'isnull'; a: Node; not: boolean }
  | { k: 'between'; a: Node; lo: Node; hi: Node; not: boolean }
  | { k: 'in'; a: Node; list: string[]; not: boolean }
  | { k: 'str'; op: 'CONTAINS' | 'STARTSWITH' | 'ENDSWITH'; a: Node; s: string; not: boolean };

type Token = { t: 'id' | 'kw' | 'num' | 'str' | 'op' | 'end'; v: string; at: number };

const KEYWORDS = new Set([
  'NOT',
  'AND',
  'OR',
  'BETWEEN',
  'IN',
  'TRUE',
  'FALSE',
  'NULL',
  'IS',
  'CONTAINS',
  'STARTSWITH',
  'ENDSWITH',
]);

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('--', i)) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Sql92ParseError(`Unterminated comment at ${i}`);
      i = end + 2;
      continue;
    }
    if (c === "'") {
      let s = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Sql92ParseError(`Unterminated string starting at ${i}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            s += "'";
            j += 2;
            continue;
          }
          break;
        }
        s += text[j];
        j++;
      }
      out.push({ t: 'str', v: s, at: i });
      i = j + 1;
      continue;
    }
    const num = /^(\d+\.\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|\d+e[+-]?\d+|\d+l?)/i.exec(text.slice(i));
    if (num && /[\d.]/.test(c)) {
      out.push({ t: 'num', v: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const id = /^[a-z_$][a-z0-9_$.]*/i.exec(text.slice(i));
    if (id) {
      const upper = id[0].toUpperCase();
      out.push(KEYWORDS.has(upper) ? { t: 'kw', v: upper, at: i } : { t: 'id', v: id[0], at: i });
      i += id[0].length;
      continue;
    }
    const op = /^(<>|>=|<=|=|>|<|\(|\)|,|\+|-)/.exec(text.slice(i));
    if (op) {
      out.push({ t: 'op', v: op[0], at: i });
      i += op[0].length;
      continue;
    }
    throw new Sql92ParseError(`Unexpected character "${c}" at ${i}`);
  }
  out.push({ t: 'end', v: '', at: text.length });
  return out;
}

class Parser {
  private readonly tokens: Token[];
  private p = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.p] ?? { t: 'end', v: '', at: 0 };
  }

  private take(): Token {
    return this.tokens[this.p++] ?? { t: 'end', v: '', at: 0 };
  }

  private isKw(v: string): boolean {
    const t = this.peek();
    return t.t === 'kw' && t.v === v;
  }

  private expect(t: Token['t'], v?: string): Token {
    const tok = this.take();
    if (tok.t !== t || (v !== undefined && tok.v !== v)) {
      throw new Sql92ParseError(
        `Expected ${v ?? t} at ${tok.at} but found ${tok.t === 'end' ? 'the end' : `"${tok.v}"`}`,
      );
    }
    return tok;
  }

  parse(): Node {
    const node = this.or();
    const rest = this.peek();
    if (rest.t !== 'end') throw new Sql92ParseError(`Unexpected "${rest.v}" at ${rest.at}`);
    return node;
  }

  private or(): Node {
    let a = this.and();
    while (this.isKw('OR')) {
      this.take();
      a = { k: 'or', a, b: this.and() };
    }
    return a;
  }

  private and(): Node {
    let a = this.equality();
    while (this.isKw('AND')) {
      this.take();
      a = { k: 'and', a, b: this.equality() };
    }
    return a;
  }

  private equality(): Node {
    let a = this.comparison();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && (t.v === '=' || t.v === '<>')) {
        this.take();
        a = { k: 'cmp', op: t.v, a, b: this.comparison() };
      } else if (this.isKw('IS')) {
        this.take();
        const not = this.isKw('NOT');
        if (not) this.take();
        this.expect('kw', 'NULL');
        a = { k: 'isnull', a, not };
      } else return a;
    }
  }

  private comparison(): Node {
    let a = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && (t.v === '>' || t.v === '>=' || t.v === '<' || t.v === '<=')) {
        this.take();
        a = { k: 'cmp', op: t.v, a, b: this.unary() };
        continue;
      }
      let not = false;
      if (
        this.isKw('NOT') &&
        ['BETWEEN', 'IN', 'CONTAINS', 'STARTSWITH', 'ENDSWITH'].includes(
          this.tokens[this.p + 1]?.v ?? '',
        )
      ) {
        this.take();
        not = true;
      }
      const kw = this.peek();
      if (kw.t === 'kw' && kw.v === 'BETWEEN') {
        this.take();
        const lo = this.unary();
        this.expect('kw', 'AND');
        const hi = this.unary();
        if (
          lo.k === 'lit' &&
          hi.k === 'lit' &&
          typeof lo.v === 'number' &&
          typeof hi.v === 'number' &&
          lo.v > hi.v
        ) {
          throw new Sql92ParseError(
            `BETWEEN ${lo.v} AND ${hi.v}: the low bound is above the high bound`,
          );
        }
        a = { k: 'between', a, lo, hi, not };
      } else if (kw.t === 'kw' && kw.v === 'IN') {
        this.take();
        this.expect('op', '(');
        const list = [this.expect('str').v];
        while (this.peek().v === ',') {
          this.take();
          list.push(this.expect('str').v);
        }
        this.expect('op', ')');
        a = { k: 'in', a, list, not };
      } else if (
        kw.t === 'kw' &&
        (kw.v === 'CONTAINS' || kw.v === 'STARTSWITH' || kw.v === 'ENDSWITH')
      ) {
        this.take();
        a = { k: 'str', op: kw.v, a, s: this.expect('str').v, not };
      } else if (not) {
        throw new Sql92ParseError(
          `Expected BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT at ${kw.at}`,
        );
      } else return a;
    }
  }

  private unary(): Node {
    const t = this.peek();
    if (t.t === 'op' && t.v === '+') {
      this.take();
      return this.unary();
    }
    if (t.t === 'op' && t.v === '-') {
      this.take();
      return { k: 'neg', a: this.unary() };
    }
    if (t.t === 'kw' && t.v === 'NOT') {
      this.take();
      return { k: 'not', a: this.unary() };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.take();
    switch (t.t) {
      case 'num':
        return { k: 'lit', v: Number(t.v.replace(/l$/i, '')) };
      case 'str':
        return { k: 'lit', v: t.v };
      case 'id':
        return { k: 'id', name: t.v };
      case 'kw':
        if (t.v === 'TRUE') return { k: 'lit', v: true };
        if (t.v === 'FALSE') return { k: 'lit', v: false };
        if (t.v === 'NULL') return { k: 'lit', v: null };
        throw new Sql92ParseError(`Unexpected keyword ${t.v} at ${t.at}`);
      case 'op':
        if (t.v === '(') {
          const inner = this.or();
          this.expect('op', ')');
          return inner;
        }
        throw new Sql92ParseError(`Unexpected "${t.v}" at ${t.at}`);
      case 'end':
        throw new Sql92ParseError('The expression ends too early');
    }
  }
}

/** Converts one side to the other's type, as RocketMQ does for strings; null when impossible. */
function coerce(a: Value, b: Value): [Value, Value] {
  if (typeof a === 'string' && typeof b === 'number') {
    const n = Number(a);
    return [a.trim() === '' || Number.isNaN(n) ? null : n, b];
  }
  if (typeof a === 'number' && typeof b === 'string') {
    const [y, x] = coerce(b, a);
    return [x, y];
  }
  if (typeof a === 'string' && typeof b === 'boolean') {
    const l = a.toLowerCase();
    return [l === 'true' ? true : l === 'false' ? false : null, b];
  }
  if (typeof a === 'boolean' && typeof b === 'string') {
    const [y, x] = coerce(b, a);
    return [x, y];
  }
  return [a, b];
}

function evaluate(n: Node, props: ReadonlyMap<string, string>): Value {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'id':
      return props.get(n.name) ?? null;
    case 'neg': {
      const v = evaluate(n.a, props);
      const x = typeof v === 'string' ? Number(v) : v;
      return typeof x === 'number' && !Number.isNaN(x) ? -x : null;
    }
    case 'not': {
      const v = evaluate(n.a, props);
      return v === null ? null : !(v === true);
    }
    case 'and': {
      const a = evaluate(n.a, props);
      if (a === false) return false;
      const b = evaluate(n.b, props);
      if (b === false) return false;
      return a === null || b === null ? null : a === true && b === true;
    }
    case 'or': {
      const a = evaluate(n.a, props);
      if (a === true) return true;
      const b = evaluate(n.b, props);
      if (b === true) return true;
      return a === null || b === null ? null : false;
    }
    case 'isnull': {
      const isNull = evaluate(n.a, props) === null;
      return n.not ? !isNull : isNull;
    }
    case 'cmp': {
      const [a, b] = coerce(evaluate(n.a, props), evaluate(n.b, props));
      if (a === null || b === null || typeof a !== typeof b) return null;
      switch (n.op) {
        case '=':
          return a === b;
        case '<>':
          return a !== b;
        case '>':
          return a > b;
        case '>=':
          return a >= b;
        case '<':
          return a < b;
        case '<=':
          return a <= b;
      }
      return null;
    }
    case 'between': {
      const v = evaluate(n.a, props);
      const [x, lo] = coerce(v, evaluate(n.lo, props));
      const [y, hi] = coerce(v, evaluate(n.hi, props));
      if (
        x === null ||
        lo === null ||
        y === null ||
        hi === null ||
        typeof x !== typeof lo ||
        typeof y !== typeof hi
      )
        return null;
      const inside = x >= lo && y <= hi;
      return n.not ? !inside : inside;
    }
    case 'in': {
      const v = evaluate(n.a, props);
      if (v === null) return null;
      const found = n.list.includes(String(v));
      return n.not ? !found : found;
    }
    case 'str': {
      const v = evaluate(n.a, props);
      if (typeof v !== 'string') return null;
      const hit =
        n.op === 'CONTAINS'
          ? v.includes(n.s)
          : n.op === 'STARTSWITH'
            ? v.startsWith(n.s)
            : v.endsWith(n.s);
      return n.not ? !hit : hit;
    }
  }
}

/** A compiled SQL92 filter; `matches` is true only when the expression is true (not unknown). */
export interface Sql92Filter {
  readonly expression: string;
  matches(properties: ReadonlyMap<string, string>): boolean;
}

/** Parses an expression; throws Sql92ParseError naming the position of the mistake. */
export function compileSql92(expression: string): Sql92Filter {
  const ast = new Parser(tokenize(expression)).parse();
  return { expression, matches: (props) => evaluate(ast, props) === true };
}
