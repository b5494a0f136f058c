import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import type { KvConfigManager } from '../kv-config-manager.ts';
import type { NamesrvConfig } from '../namesrv-config.ts';

/** The KV config (PUT, GET, DELETE, GET_KVLIST_BY_NAMESPACE) and GET_NAMESRV_CONFIG. */
export function registerConfigProcessor(
  server: RemotingServer,
  kv: KvConfigManager,
  config: NamesrvConfig,
): void {
  // Every key in force as properties text (mqadmin getNamesrvConfig).
  server.registerProcessor(RequestCode.GET_NAMESRV_CONFIG, (req) => {
    const text = Object.entries(config)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n');
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      undefined,
      Buffer.from(`${text}\n`),
    );
  });

  server.registerProcessor(RequestCode.PUT_KV_CONFIG, (req) => {
    const h = new ExtFields(req.extFields);
    kv.put(h.string('namespace'), h.string('key'), h.string('value'));
    return createResponse(req, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_KV_CONFIG, (req) => {
    const h = new ExtFields(req.extFields);
    const namespace = h.string('namespace');
    const key = h.string('key');
    const value = kv.get(namespace, key);
    if (value === undefined)
      return createResponse(
        req,
        ResponseCode.QUERY_NOT_FOUND,
        `No config item, Namespace: ${namespace} Key: ${key}`,
      );
    return createResponse(req, ResponseCode.SUCCESS, undefined, { value });
  });

  server.registerProcessor(RequestCode.DELETE_KV_CONFIG, (req) => {
    const h = new ExtFields(req.extFields);
    kv.delete(h.string('namespace'), h.string('key'));
    return createResponse(req, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_KVLIST_BY_NAMESPACE, (req) => {
    const namespace = new ExtFields(req.extFields).string('namespace');
    const table = kv.list(namespace);
    if (!table)
      return createResponse(
        req,
        ResponseCode.QUERY_NOT_FOUND,
        `No config item, Namespace: ${namespace}`,
      );
    return jsonResponse(req, { table });
  });
}
