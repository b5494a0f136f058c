import { parseJavaJson } from '../../src/common/protocol-data/java-json.ts';
import { pino } from 'pino';
import type { TestContext } from 'node:test';
import { RemotingClient } from '../../src/remoting/transport/remoting-client.ts';
import {
  createRequest,
  type RemotingCommand,
} from '../../src/remoting/protocol/remoting-command.ts';

/** A Remoting client for tests, shut down after the test. */
export function testClient(t: TestContext): {
  client: RemotingClient;
  call: (
    addr: string,
    code: number,
    ext?: Record<string, string>,
    body?: unknown,
  ) => Promise<RemotingCommand>;
} {
  const client = new RemotingClient({ logger: pino({ level: 'silent' }) });
  t.after(() => client.shutdown());
  const call = (
    addr: string,
    code: number,
    ext: Record<string, string> = {},
    body?: unknown,
  ): Promise<RemotingCommand> =>
    client.invoke(
      addr,
      createRequest(
        code,
        0,
        ext,
        body === undefined
          ? undefined
          : Buffer.isBuffer(body)
            ? body
            : Buffer.from(JSON.stringify(body)),
      ),
      3000,
    );
  return { client, call };
}

/** A response body parsed as JSON, typed by the caller. */
export function jsonBody<T>(cmd: RemotingCommand): T {
  return parseJavaJson(cmd.body?.toString('utf8') || 'null') as T;
}
