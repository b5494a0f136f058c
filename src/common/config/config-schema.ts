import { RmqError } from '../errors/rmq-error.ts';
import { didYouMean } from './did-you-mean.ts';

interface FieldBase {
  doc: string;
  /** false: a real RocketMQ key that is accepted and ignored, with one warning. */
  supported?: boolean;
}
export interface IntField extends FieldBase {
  type: 'int';
  default: number;
  min?: number;
  max?: number;
}
export interface BoolField extends FieldBase {
  type: 'bool';
  default: boolean;
}
export interface StringField extends FieldBase {
  type: 'string';
  default: string;
  pattern?: RegExp;
}
export interface EnumField<V extends string = string> extends FieldBase {
  type: 'enum';
  values: readonly V[];
  default: V;
}
export type ConfigField = IntField | BoolField | StringField | EnumField;
export type ConfigSchema = Readonly<Record<string, ConfigField>>;

export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends IntField
    ? number
    : S[K] extends BoolField
      ? boolean
      : S[K] extends EnumField<infer V>
        ? V
        : string;
};

/** One source of settings: values may be text (files, flags) or already typed (code). */
export type ConfigLayer = Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;

export interface ResolveOptions {
  /** Called once per accepted-but-ignored key that a layer sets. */
  onIgnoredKey?: (key: string) => void;
  /** Where the settings came from, for error messages ("broker.properties"). */
  source?: string;
  /**
   * Keys Apache RocketMQ reads that this schema does not: set in a layer, each is reported to
   * onIgnoredKey and skipped instead of failing, so RocketMQ's own config files load.
   */
  foreignKeys?: ReadonlySet<string>;
}

/** The unknown-key error, suggesting the nearest of ours or RocketMQ's names. */
export function unknownKeyError(
  key: string,
  known: readonly string[],
  options: ResolveOptions,
): RmqError {
  const hint = didYouMean(key, [...known, ...(options.foreignKeys ?? [])]);
  return new RmqError(
    'CONFIG_UNKNOWN_KEY',
    `Unknown config key "${key}"${options.source ? ` in ${options.source}` : ''}` +
      (hint ? `: did you mean "${hint}"?` : ''),
  );
}

/**
 * Merges layers over the schema's defaults (later layers win), validates every value, and
 * returns a frozen object. An unknown key fails with a suggestion.
 */
export function resolveConfig<S extends ConfigSchema>(
  schema: S,
  layers: readonly ConfigLayer[],
  options: ResolveOptions = {},
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) out[key] = field.default;
  const keys = Object.keys(schema);
  for (const layer of layers) {
    const entries: [string, unknown][] =
      layer instanceof Map
        ? [...(layer as ReadonlyMap<string, unknown>).entries()]
        : Object.entries(layer as Readonly<Record<string, unknown>>);
    for (const [key, raw] of entries) {
      if (raw === undefined) continue;
      const field = schema[key];
      if (field === undefined) {
        if (options.foreignKeys?.has(key)) {
          options.onIgnoredKey?.(key);
          continue;
        }
        throw unknownKeyError(key, keys, options);
      }
      if (field.supported === false) options.onIgnoredKey?.(key);
      out[key] = coerce(key, field, raw);
    }
  }
  return Object.freeze(out) as ConfigOf<S>;
}

function coerce(key: string, field: ConfigField, raw: unknown): unknown {
  const fail = (why: string): never => {
    throw new RmqError(
      'CONFIG_INVALID_VALUE',
      `Invalid value for "${key}": ${why}, got "${String(raw)}"`,
    );
  };
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (field.type) {
    case 'int': {
      const n =
        typeof text === 'number'
          ? text
          : typeof text === 'string' && /^-?\d+$/.test(text)
            ? Number(text)
            : NaN;
      if (!Number.isSafeInteger(n)) return fail('expected an integer');
      if (field.min !== undefined && n < field.min) return fail(`expected at least ${field.min}`);
      if (field.max !== undefined && n > field.max) return fail(`expected at most ${field.max}`);
      return n;
    }
    case 'bool':
      if (text === true || text === 'true') return true;
      if (text === false || text === 'false') return false;
      return fail('expected true or false');
    case 'enum':
      if (typeof text === 'string' && field.values.includes(text)) return text;
      return fail(`expected one of ${field.values.join(', ')}`);
    case 'string':
      if (typeof text !== 'string') return fail('expected text');
      if (field.pattern && !field.pattern.test(text))
        return fail(`expected to match ${String(field.pattern)}`);
      return text;
  }
}
