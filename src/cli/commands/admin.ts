import { AdminClient } from '../../admin/admin-client.ts';
import { UsageError } from '../usage-error.ts';
import {
  commandHelp,
  oneOfGiven,
  synopsis,
  type AdminCommand,
  type CommandFamily,
} from './admin/command.ts';
import { parseAdminArgs } from './admin/flags.ts';
import { TOPIC_COMMANDS } from './admin/topic-commands.ts';
import { GROUP_COMMANDS } from './admin/group-commands.ts';
import { OFFSET_COMMANDS } from './admin/offset-commands.ts';
import { MESSAGE_COMMANDS } from './admin/message-commands.ts';
import { BROKER_COMMANDS } from './admin/broker-commands.ts';
import { NAMESRV_COMMANDS } from './admin/namesrv-commands.ts';

/** mqadmin's commands, in families as `rmq admin help` lists them. */
const FAMILIES: readonly CommandFamily[] = [
  TOPIC_COMMANDS,
  GROUP_COMMANDS,
  OFFSET_COMMANDS,
  MESSAGE_COMMANDS,
  BROKER_COMMANDS,
  NAMESRV_COMMANDS,
];

/** Every command by name. */
export const ADMIN_COMMANDS: ReadonlyMap<string, AdminCommand> = new Map(
  FAMILIES.flatMap((f) => f.commands.map((c) => [c.name, c] as const)),
);

/** Commands of earlier `rmq admin` releases, and mqadmin's way to do what they did. */
const RENAMED: Readonly<Record<string, string>> = {
  resendMessageById: 'queryMsgById -t <topic> -i <msgId> -s true',
};

/** `rmq admin help`: every command with its required flags and what it does. */
export const ADMIN_USAGE = [
  'Usage: rmq admin <command> [-n "host:9876;host2:9876"] [flags]   (NAMESRV_ADDR works too)',
  "       rmq admin <command> -h   lists the command's flags, as mqadmin names them",
  ...FAMILIES.flatMap((f) => [
    '',
    `${f.title}:`,
    ...f.commands.flatMap((c) => [
      `  ${c.name.padEnd(24)}${synopsis(c, true)}`.trimEnd(),
      `  ${''.padEnd(24)}${c.desc}`,
    ]),
  ]),
].join('\n');

/**
 * `rmq admin <command> [flags]`: mqadmin's commands and flags. Lines a command reports as it goes
 * go to `print`; the text returned is its final output.
 */
export async function runAdmin(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  print: (text: string) => void,
): Promise<string> {
  const name = argv[0];
  if (name === undefined || name === 'help' || name === '-h' || name === '--help')
    return ADMIN_USAGE;
  const cmd = ADMIN_COMMANDS.get(name);
  if (!cmd) {
    const instead = Object.hasOwn(RENAMED, name) ? `; use rmq admin ${RENAMED[name]}` : '';
    throw new UsageError(`unknown admin command "${name}"${instead}\n\n${ADMIN_USAGE}`);
  }
  const args = parseAdminArgs(name, cmd.flags, argv.slice(1), () => commandHelp(cmd));
  if (args.has('h')) return commandHelp(cmd);
  oneOfGiven(cmd, args);
  const admin = new AdminClient({
    namesrvAddr: args.get('n') ?? env.NAMESRV_ADDR ?? '127.0.0.1:9876',
  });
  try {
    return await cmd.run({ args, admin, print });
  } finally {
    await admin.shutdown();
  }
}
