/** A required header field that is missing or not of its type; answered as SYSTEM_ERROR. */
export class HeaderFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderFieldError';
  }
}

/** Typed reads of a request's extFields, with RocketMQ-style errors naming the field. */
export class ExtFields {
  private readonly ext: Record<string, string>;
  private readonly aliases: Readonly<Record<string, string>> | undefined;

  /** `aliases` maps long names to short ones (SEND_MESSAGE_V2's "topic" -> "b"). */
  constructor(ext: Record<string, string> | undefined, aliases?: Readonly<Record<string, string>>) {
    this.ext = ext ?? {};
    this.aliases = aliases;
  }

  private raw(key: string): string | undefined {
    const alias = this.aliases?.[key];
    return alias !== undefined ? this.ext[alias] : this.ext[key];
  }

  string(key: string): string {
    const v = this.raw(key);
    if (v === undefined || v === '')
      throw new HeaderFieldError(`The custom field "${key}" is missing`);
    return v;
  }

  optString(key: string): string | undefined {
    const v = this.raw(key);
    return v === undefined || v === 'null' ? undefined : v;
  }

  int(key: string): number {
    const v = this.string(key);
    const n = Number(v);
    if (!Number.isSafeInteger(n))
      throw new HeaderFieldError(`The custom field "${key}" is not an integer: "${v}"`);
    return n;
  }

  optInt(key: string, fallback: number): number {
    const v = this.raw(key);
    if (v === undefined || v === '' || v === 'null') return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n))
      throw new HeaderFieldError(`The custom field "${key}" is not an integer: "${v}"`);
    return n;
  }

  /**
   * A Java long used as a bound, such as a time range's end: any integer, Long.MAX_VALUE among
   * them (Java tools send it for "no end"); beyond 2^53 it is the nearest double, fine for a bound.
   */
  optLongBound(key: string, fallback: number): number {
    const v = this.raw(key);
    if (v === undefined || v === '' || v === 'null') return fallback;
    if (!/^-?\d+$/.test(v))
      throw new HeaderFieldError(`The custom field "${key}" is not an integer: "${v}"`);
    return Number(v);
  }

  optBool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === '' || v === 'null') return fallback;
    return v === 'true';
  }
}
