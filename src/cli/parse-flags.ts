/** Short options that take a value: `-c broker.properties`, `-n host:9876` (mqbroker style). */
const SHORT_WITH_VALUE = new Set(['c', 'n']);

export interface ParsedArgs {
  positional: string[];
  /** `--key=value` / `--key value` flags: config keys. */
  flags: Map<string, string>;
  /** `-c file` style options. */
  short: Map<string, string>;
}

/**
 * Splits `--key=value` / `--key value` flags, `-x value` short options and positional arguments.
 * `shortBooleans` names short options without a value (`-p` of `rmq broker`).
 */
export function parseFlags(
  argv: readonly string[],
  shortBooleans: readonly string[] = [],
): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const short = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('-')) {
          flags.set(arg.slice(2), next);
          i++;
        } else flags.set(arg.slice(2), 'true');
      }
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      const name = arg.slice(1);
      const next = argv[i + 1];
      if (!shortBooleans.includes(name) && SHORT_WITH_VALUE.has(name) && next !== undefined) {
        short.set(name, next);
        i++;
      } else short.set(name, 'true');
    } else positional.push(arg);
  }
  return { positional, flags, short };
}
