import type { AdminCommand, CommandFamily } from './command.ts';
import { propertyLines } from './format.ts';

/** wipeWritePerm and addWritePerm: the same request to every name server, one line each. */
function writePermCommand(writable: boolean): AdminCommand {
  const verb = writable ? 'add' : 'wipe';
  return {
    name: `${verb}WritePerm`,
    desc: writable
      ? "Give a broker back its write permission in every name server's routes."
      : "Take a broker's write permission from every name server's routes (producers move off it).",
    flags: { b: { long: 'brokerName', value: true, required: true, desc: 'broker name' } },
    async run({ args, admin, print }) {
      const brokerName = args.need('b');
      const answers = await admin.setBrokerWritePerm(brokerName, writable);
      const failed = answers.filter((a) => a.error);
      for (const a of answers)
        print(
          a.error
            ? `${verb} write perm of broker[${brokerName}] in name server[${a.namesrvAddr}] Failed: ${a.error.message}`
            : `${verb} write perm of broker[${brokerName}] in name server[${a.namesrvAddr}] OK, ${a.value ?? 0}`,
        );
      if (failed.length > 0)
        throw new Error(
          `${verb} write perm of broker[${brokerName}] failed in ${failed.length} name server(s)`,
        );
      return '';
    },
  };
}

const getNamesrvConfig: AdminCommand = {
  name: 'getNamesrvConfig',
  desc: 'Show every key each name server runs with.',
  flags: {},
  async run({ admin }) {
    const blocks: string[] = [];
    for (const a of await admin.namesrvConfigs()) {
      if (a.error) throw a.error;
      blocks.push(
        `============${a.namesrvAddr}============\n${propertyLines(a.value ?? new Map<string, string>())}`,
      );
    }
    return blocks.join('\n');
  },
};

const updateKvConfig: AdminCommand = {
  name: 'updateKvConfig',
  desc: 'Set a KV config entry on every name server.',
  flags: {
    s: { long: 'namespace', value: true, required: true, desc: 'namespace' },
    k: { long: 'key', value: true, required: true, desc: 'key' },
    v: { long: 'value', value: true, required: true, desc: 'value' },
  },
  async run({ args, admin }) {
    await admin.updateKvConfig(args.need('s'), args.need('k'), args.need('v'));
    return 'create or update kv config to namespace success.';
  },
};

const deleteKvConfig: AdminCommand = {
  name: 'deleteKvConfig',
  desc: 'Delete a KV config entry from every name server.',
  flags: {
    s: { long: 'namespace', value: true, required: true, desc: 'namespace' },
    k: { long: 'key', value: true, required: true, desc: 'key' },
  },
  async run({ args, admin }) {
    await admin.deleteKvConfig(args.need('s'), args.need('k'));
    return 'delete kv config from namespace success.';
  },
};

export const NAMESRV_COMMANDS: CommandFamily = {
  title: 'Name servers',
  commands: [
    writePermCommand(false),
    writePermCommand(true),
    getNamesrvConfig,
    updateKvConfig,
    deleteKvConfig,
  ],
};
