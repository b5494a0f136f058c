import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields, HeaderFieldError } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { newTopicConfig } from '../../common/protocol-data/route-data.ts';
import { encodeResetOffsetBody } from '../../common/protocol-data/reset-offset-body.ts';
import type { SubscriptionGroupConfig } from '../managers/subscription-group-manager.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';
import type { ResetQueueOffset } from '../operations/reset-consumer-offset.ts';
import { parseJsonBody } from './json-body.ts';

/** Parses mqadmin's attribute syntax: "+key=value,+key2=value2" (a leading "-" deletes). */
function parseAttributes(
  text: string | undefined,
  base: Record<string, string>,
): Record<string, string> {
  const out = { ...base };
  for (const part of (text ?? '').split(',').filter((p) => p.trim() !== '')) {
    const m = /^([+-])([^=]+)(?:=(.*))?$/.exec(part.trim());
    if (!m) throw new HeaderFieldError(`the attribute "${part}" is not "+key=value" or "-key"`);
    const [, sign, key = '', value = ''] = m;
    if (sign === '-') delete out[key];
    else out[key] = value;
  }
  return out;
}

/** Admin requests of the broker: topics, groups, statistics, offset resets, connections, runtime info. */
export function registerAdminBrokerProcessor(server: RemotingServer, ops: BrokerOperations): void {
  registerTopicAdmin(server, ops);
  registerGroupAdmin(server, ops);
  registerStatsAdmin(server, ops);
}

/** UPDATE_AND_CREATE_TOPIC, DELETE_TOPIC_IN_BROKER, GET_ALL_TOPIC_CONFIG. */
function registerTopicAdmin(server: RemotingServer, ops: BrokerOperations): void {
  const { admin } = ops;
  server.registerProcessor(RequestCode.UPDATE_AND_CREATE_TOPIC, async (req) => {
    const h = new ExtFields(req.extFields);
    const topic = h.string('topic');
    let attributes: Record<string, string>;
    try {
      attributes = parseAttributes(h.optString('attributes'), admin.topic(topic)?.attributes ?? {});
    } catch (err) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, (err as Error).message);
    }
    const queues = h.optInt('writeQueueNums', ops.limits.defaultTopicQueueNums);
    const r = admin.createTopic(
      newTopicConfig(topic, queues, h.optInt('perm', 6), {
        readQueueNums: h.optInt('readQueueNums', queues),
        topicFilterType: h.optString('topicFilterType') ?? 'SINGLE_TAG',
        topicSysFlag: h.optInt('topicSysFlag', 0),
        order: h.optBool('order', false),
        attributes,
      }),
    );
    await r.registered;
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.DELETE_TOPIC_IN_BROKER, (req) => {
    const r = admin.deleteTopic(new ExtFields(req.extFields).string('topic'));
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.GET_ALL_TOPIC_CONFIG, (req) => {
    const { configs, version } = admin.topics();
    return jsonResponse(req, {
      topicConfigTable: Object.fromEntries(configs.map((t) => [t.topicName, t])),
      dataVersion: version,
    });
  });
}

/** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, GET_ALL_SUBSCRIPTIONGROUP_CONFIG, DELETE_SUBSCRIPTIONGROUP. */
function registerGroupAdmin(server: RemotingServer, ops: BrokerOperations): void {
  const { admin } = ops;
  server.registerProcessor(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, (req) => {
    const parsed = parseJsonBody<Partial<SubscriptionGroupConfig>>(req, 'subscription group body');
    if ('error' in parsed) return parsed.error;
    const body = parsed.value;
    if (typeof body.groupName !== 'string' || body.groupName === '') {
      return createResponse(
        req,
        ResponseCode.SYSTEM_ERROR,
        'The subscription group body has no groupName',
      );
    }
    const r = admin.putGroup(body.groupName, body);
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (req) =>
    jsonResponse(req, {
      subscriptionGroupTable: Object.fromEntries(admin.groups().map((g) => [g.groupName, g])),
    }),
  );

  server.registerProcessor(RequestCode.DELETE_SUBSCRIPTIONGROUP, (req) => {
    const r = admin.deleteGroup(new ExtFields(req.extFields).string('groupName'));
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });
}

/** Consume and topic statistics, offset resets, consumer connections, runtime info. */
function registerStatsAdmin(server: RemotingServer, ops: BrokerOperations): void {
  const { admin } = ops;
  const { brokerName } = ops.limits;
  server.registerProcessor(RequestCode.GET_CONSUME_STATS, (req) => {
    const h = new ExtFields(req.extFields);
    const stats = admin.consumeStats(h.string('consumerGroup'), h.optString('topic'));
    // ConsumeStats: a Map<MessageQueue, OffsetWrapper>, written with the queues as keys.
    const offsetTable = new Map(
      stats.flatMap(({ topic, queues }) =>
        queues.map((q) => [
          { brokerName, queueId: q.queueId, topic },
          {
            brokerOffset: q.brokerOffset,
            consumerOffset: q.consumerOffset,
            pullOffset: q.consumerOffset,
            lastTimestamp: q.lastTimestamp,
          },
        ]),
      ),
    );
    return jsonResponse(req, {
      offsetTable,
      consumeTps: admin.consumeTps(h.string('consumerGroup')),
    });
  });

  server.registerProcessor(RequestCode.GET_TOPIC_STATS_INFO, (req) => {
    const topic = new ExtFields(req.extFields).string('topic');
    const r = admin.topicStats(topic);
    if (!r.queues) return createResponse(req, responseCodeOf(r.status), r.remark);
    // TopicStatsTable: a Map<MessageQueue, TopicOffset>, written with the queues as keys.
    return jsonResponse(req, {
      offsetTable: new Map(
        r.queues.map((q) => [
          { brokerName, queueId: q.queueId, topic },
          {
            minOffset: q.minOffset,
            maxOffset: q.maxOffset,
            lastUpdateTimestamp: q.lastUpdateTimestamp,
          },
        ]),
      ),
    });
  });

  server.registerProcessor(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const group = h.string('group');
    const topic = h.string('topic');
    const timestamp = h.int('timestamp');
    const force = h.optBool('isForce', true);
    const r = admin.resetOffset({
      group,
      topic,
      timestamp,
      force,
      queueId: h.optInt('queueId', -1),
      offset: h.optInt('offset', -1),
    });
    if (!r.queues) return createResponse(req, responseCodeOf(r.status), r.remark);
    const body = (queues: readonly ResetQueueOffset[]): Buffer =>
      encodeResetOffsetBody(
        queues.map((q) => ({
          messageQueue: { topic, brokerName, queueId: q.queueId },
          offset: q.offset,
        })),
      );
    const moved = r.queues.filter((q) => q.changed);
    for (const c of r.notify) c.connection.notifyOffsetReset(group, topic, timestamp, force, moved);
    return createResponse(req, ResponseCode.SUCCESS, undefined, undefined, body(r.queues));
  });

  server.registerProcessor(RequestCode.GET_CONSUMER_CONNECTION_LIST, (req) => {
    const group = new ExtFields(req.extFields).string('consumerGroup');
    const info = admin.consumerGroup(group);
    if (!info)
      return createResponse(
        req,
        ResponseCode.CONSUMER_NOT_ONLINE,
        `the consumer group[${group}] not online`,
      );
    return jsonResponse(req, {
      connectionSet: [...info.channels.values()].map((c) => ({
        clientId: c.clientId,
        clientAddr: c.connection.remoteAddress,
        language: c.language,
        version: c.version,
      })),
      subscriptionTable: Object.fromEntries(info.subscriptions),
      consumeType: info.consumeType,
      messageModel: info.messageModel,
      consumeFromWhere: info.consumeFromWhere,
    });
  });

  server.registerProcessor(RequestCode.GET_BROKER_RUNTIME_INFO, (req) =>
    jsonResponse(req, { table: admin.runtimeInfo() }),
  );

  server.registerProcessor(RequestCode.GET_BROKER_HA_STATUS, (req) =>
    jsonResponse(req, admin.haStatus()),
  );
}
