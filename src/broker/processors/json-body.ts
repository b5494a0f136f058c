import { createResponse, type RemotingCommand } from '../../remoting/protocol/remoting-command.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';

/** A request's JSON body, or the SYSTEM_ERROR response naming what could not be parsed. */
export function parseJsonBody<T>(
  req: RemotingCommand,
  what: string,
): { value: T } | { error: RemotingCommand } {
  try {
    return { value: JSON.parse(req.body?.toString('utf8') ?? '') as T };
  } catch (err) {
    return {
      error: createResponse(
        req,
        ResponseCode.SYSTEM_ERROR,
        `Cannot parse the ${what}: ${(err as Error).message}`,
      ),
    };
  }
}
