import { UsageError } from '../../usage-error.ts';

/** One flag of an admin command, as mqadmin declares it: a short letter and a long name. */
export interface FlagSpec {
  /** mqadmin's long name: `--topic`. */
  long: string;
  /** Whether the flag takes a value (`-t <topic>`); a switch (`-m`) does not. */
  value: boolean;
  required?: boolean;
  desc: string;
}

/** A command's flags by short letter; a flag mqadmin gives no letter is keyed by its long name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The flags every mqadmin command takes. */
export const COMMON_FLAGS: FlagSpecs = {
  n: {
    long: 'namesrvAddr',
    value: true,
    desc: 'name servers, "host:9876;host2:9876" (else NAMESRV_ADDR, else 127.0.0.1:9876)',
  },
  h: { long: 'help', value: false, desc: "print the command's flags" },
};

const flagName = (key: string): string => (key.length === 1 ? `-${key}` : `--${key}`);

/** `-t <topic>`, `-m`, `--attributes <attributes>`. */
export function flagUsage(key: string, spec: FlagSpec): string {
  return spec.value ? `${flagName(key)} <${spec.long}>` : flagName(key);
}

/** A command's flags as parsed: values by flag key ("true" for a switch), typed accessors. */
export class AdminArgs {
  constructor(
    private readonly command: string,
    private readonly specs: FlagSpecs,
    private readonly values: ReadonlyMap<string, string>,
  ) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** A value the command cannot do without. */
  need(key: string): string {
    const v = this.values.get(key);
    if (v === undefined) throw new UsageError(`${this.usageOf(key)} is required`);
    return v;
  }

  /** An integer flag (mqadmin's Integer/Long.parseLong); anything else is a usage error. */
  int(key: string, fallback: number): number;
  int(key: string): number | undefined;
  int(key: string, fallback?: number): number | undefined {
    const v = this.values.get(key);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v))
      throw new UsageError(`${flagName(key)} takes an integer, not "${v}" (${this.command})`);
    return Number(v);
  }

  /** A true/false flag; anything else is a usage error (mqadmin would read it as false). */
  bool(key: string, fallback: boolean): boolean {
    const v = this.values.get(key);
    if (v === undefined) return fallback;
    if (v !== 'true' && v !== 'false')
      throw new UsageError(`${flagName(key)} takes true or false, not "${v}" (${this.command})`);
    return v === 'true';
  }

  private usageOf(key: string): string {
    const spec = this.specs[key] ?? COMMON_FLAGS[key];
    return spec ? flagUsage(key, spec) : flagName(key);
  }
}

/** The key of `-x` or `--long` in `specs`, or undefined. */
function keyOf(token: string, specs: FlagSpecs): string | undefined {
  if (/^-[a-zA-Z]$/.test(token))
    return Object.hasOwn(specs, token.slice(1)) ? token.slice(1) : undefined;
  if (token.startsWith('--')) {
    const long = token.slice(2).split('=')[0];
    return Object.entries(specs).find(([, s]) => s.long === long)?.[0];
  }
  return undefined;
}

/**
 * Parses a command's flags as commons-cli does for mqadmin: `-t value`, `-tvalue`, `--topic value`,
 * `--topic=value`. A value may start with "-" (`-s -1`) unless it is one of the command's flags.
 * An unknown flag, a missing value or a missing required flag is a UsageError naming it; the
 * message of an unknown flag lists the command's flags.
 */
export function parseAdminArgs(
  command: string,
  commandSpecs: FlagSpecs,
  argv: readonly string[],
  help: () => string,
): AdminArgs {
  const specs: FlagSpecs = { ...commandSpecs, ...COMMON_FLAGS };
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    let key = keyOf(token, specs);
    let inline: string | undefined;
    if (key === undefined && /^-[a-zA-Z]./.test(token) && Object.hasOwn(specs, token.charAt(1))) {
      key = token.charAt(1);
      inline = token.slice(2);
    } else if (key !== undefined && token.startsWith('--') && token.includes('=')) {
      inline = token.slice(token.indexOf('=') + 1);
    }
    if (key === undefined) {
      if (!token.startsWith('-'))
        throw new UsageError(`${command} takes no argument "${token}"\n\n${help()}`);
      const known = Object.entries(specs).map(([k, s]) => `${flagName(k)} ${s.long}`);
      throw new UsageError(
        `unknown flag ${token} for ${command}; its flags: ${known.join(', ')}\n\n${help()}`,
      );
    }
    const spec = specs[key] as FlagSpec;
    if (!spec.value) {
      if (inline !== undefined)
        throw new UsageError(`${flagName(key)} takes no value (${command})\n\n${help()}`);
      values.set(key, 'true');
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || keyOf(next, specs) !== undefined)
        throw new UsageError(`${flagUsage(key, spec)} needs a value (${command})\n\n${help()}`);
      inline = next;
      i++;
    }
    values.set(key, inline.trim());
  }
  if (!values.has('h')) {
    for (const [key, spec] of Object.entries(commandSpecs))
      if (spec.required && !values.has(key))
        throw new UsageError(`${flagUsage(key, spec)} is required (${command})\n\n${help()}`);
  }
  return new AdminArgs(command, specs, values);
}
