import { MQ_VERSION_ORDINAL } from '../../common/constants/version.ts';
import { stringifyJavaJson } from '../../common/protocol-data/java-json.ts';
import { ResponseCode } from './response-code.ts';

/** Header serialization: 0 = JSON, 1 = ROCKETMQ binary. A response uses its request's type. */
export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/** LanguageCode names in their ordinal order, as the binary header encodes them. */
export const LANGUAGE_CODES = [
  'JAVA',
  'CPP',
  'DOTNET',
  'PYTHON',
  'DELPHI',
  'ERLANG',
  'RUBY',
  'OTHER',
  'HTTP',
  'GO',
  'PHP',
  'OMS',
  'RUST',
  'NODE_JS',
] as const;

export const RPC_RESPONSE = 0x1;
export const RPC_ONEWAY = 0x2;
/** MQVersion ordinal we announce (V5_3_3). */
export const OUR_VERSION = MQ_VERSION_ORDINAL;

/** One Remoting message, request or response. extFields values are always strings here. */
export interface RemotingCommand {
  code: number;
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string | undefined;
  extFields?: Record<string, string> | undefined;
  body?: Buffer | undefined;
  serializeType: SerializeType;
}

export function isResponse(cmd: RemotingCommand): boolean {
  return (cmd.flag & RPC_RESPONSE) !== 0;
}

export function isOneway(cmd: RemotingCommand): boolean {
  return (cmd.flag & RPC_ONEWAY) !== 0;
}

export function createRequest(
  code: number,
  opaque: number,
  extFields?: Record<string, string>,
  body?: Buffer,
  serializeType: SerializeType = SerializeType.JSON,
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: OUR_VERSION,
    opaque,
    flag: 0,
    extFields,
    body,
    serializeType,
  };
}

/** A response to `request`: same opaque and serialize type, response bit set. */
export function createResponse(
  request: RemotingCommand,
  code: number,
  remark?: string,
  extFields?: Record<string, string>,
  body?: Buffer,
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: OUR_VERSION,
    opaque: request.opaque,
    flag: RPC_RESPONSE,
    remark,
    extFields,
    body,
    serializeType: request.serializeType,
  };
}

/** A SUCCESS response whose body is `value` as JSON (route data, stats, config tables). */
export function jsonResponse(request: RemotingCommand, value: unknown): RemotingCommand {
  return createResponse(
    request,
    ResponseCode.SUCCESS,
    undefined,
    undefined,
    Buffer.from(stringifyJavaJson(value), 'utf8'),
  );
}
