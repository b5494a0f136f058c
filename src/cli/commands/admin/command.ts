import type { AdminClient } from '../../../admin/admin-client.ts';
import { UsageError } from '../../usage-error.ts';
import { COMMON_FLAGS, flagUsage, type AdminArgs, type FlagSpecs } from './flags.ts';

/** What a command gets: its flags, the admin client, and a way to print as it goes. */
export interface CommandContext {
  args: AdminArgs;
  admin: AdminClient;
  /** Prints a line now (commands that report step by step or repeat); the returned text follows. */
  print: (text: string) => void;
}

/** One of mqadmin's commands: its name and flags, and what it does, returning the text to print. */
export interface AdminCommand {
  name: string;
  desc: string;
  flags: FlagSpecs;
  /** Flags of which one is required (mqadmin's option groups: -b or -c). */
  oneOf?: readonly string[];
  run(c: CommandContext): Promise<string>;
}

/** A family of commands, a section of `rmq admin help`. */
export interface CommandFamily {
  title: string;
  commands: readonly AdminCommand[];
}

/** `-g <groupName> (-b <brokerAddr> | -c <clusterName>) [-r <retryMaxTimes>] ...` */
export function synopsis(cmd: AdminCommand, requiredOnly = false): string {
  const parts: string[] = [];
  const entries = Object.entries(cmd.flags);
  for (const [key, spec] of entries) if (spec.required) parts.push(flagUsage(key, spec));
  if (cmd.oneOf)
    parts.push(
      `(${cmd.oneOf.map((k) => (cmd.flags[k] ? flagUsage(k, cmd.flags[k]) : k)).join(' | ')})`,
    );
  if (!requiredOnly)
    for (const [key, spec] of entries)
      if (!spec.required && !cmd.oneOf?.includes(key)) parts.push(`[${flagUsage(key, spec)}]`);
  return parts.join(' ');
}

/** `rmq admin <command> -h`: the synopsis, then every flag with what it does. */
export function commandHelp(cmd: AdminCommand): string {
  const rows = Object.entries({ ...cmd.flags, ...COMMON_FLAGS }).map(([key, spec]) => [
    `${key.length === 1 ? `-${key}, ` : ''}--${spec.long}${spec.value ? ' <arg>' : ''}`,
    spec.desc,
  ]);
  const width = Math.max(...rows.map(([f = '']) => f.length));
  return [
    `usage: rmq admin ${cmd.name} ${synopsis(cmd)}`.trimEnd(),
    cmd.desc,
    ...rows.map(([f = '', d = '']) => `  ${f.padEnd(width)}  ${d}`),
  ].join('\n');
}

/** The value of one of the command's one-of flags, or the usage error naming them. */
export function oneOfGiven(cmd: AdminCommand, args: AdminArgs): void {
  if (!cmd.oneOf || cmd.oneOf.some((k) => args.has(k))) return;
  const names = cmd.oneOf.map((k) => (cmd.flags[k] ? flagUsage(k, cmd.flags[k]) : k));
  throw new UsageError(
    `one of ${names.join(' or ')} is required (${cmd.name})\n\n${commandHelp(cmd)}`,
  );
}

/** The brokers `-b <brokerAddr>` names, or the masters of `-c <clusterName>`. */
export async function targetBrokers({ args, admin }: CommandContext): Promise<string[]> {
  const broker = args.get('b');
  if (broker !== undefined) return [broker];
  return admin.masterAddrs(args.need('c'));
}
