import {
  createRequest,
  createResponse,
  jsonResponse,
} from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields, HeaderFieldError } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { newTopicConfig } from '../../common/protocol-data/route-data.ts';
import {
  newSubscriptionGroupConfig,
  type SubscriptionGroupConfig,
} from '../managers/subscription-group-manager.ts';
import type { BrokerService } from '../broker-service.ts';
import { parseJsonBody } from './json-body.ts';
import { resetConsumerOffset, type ResetQueueOffset } from '../reset-consumer-offset.ts';
import { encodeResetOffsetBody } from '../../common/protocol-data/reset-offset-body.ts';

/** Parses mqadmin's attribute syntax: "+key=value,+key2=value2" (a leading "-" deletes). */
/** RocketMQ 5's TopicMessageType values for the message.type attribute. */
const TOPIC_MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED'];

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
  const type = out['message.type'];
  if (type !== undefined && !TOPIC_MESSAGE_TYPES.includes(type))
    throw new HeaderFieldError(
      `the attribute message.type=${type} is not one of ${TOPIC_MESSAGE_TYPES.join(', ')}`,
    );
  return out;
}

/** Admin requests of the broker: topics, groups, statistics, connections, runtime info. */
export function registerAdminBrokerProcessor(server: RemotingServer, service: BrokerService): void {
  const { topics, groups, offsets, store, consumers, config } = service.deps;

  server.registerProcessor(RequestCode.UPDATE_AND_CREATE_TOPIC, (req) => {
    const h = new ExtFields(req.extFields);
    const topic = h.string('topic');
    let attributes: Record<string, string>;
    try {
      attributes = parseAttributes(h.optString('attributes'), topics.get(topic)?.attributes ?? {});
    } catch (err) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, (err as Error).message);
    }
    const queues = h.optInt('writeQueueNums', config.defaultTopicQueueNums);
    const r = service.createTopic(
      newTopicConfig(topic, queues, h.optInt('perm', 6), {
        readQueueNums: h.optInt('readQueueNums', queues),
        topicFilterType: h.optString('topicFilterType') ?? 'SINGLE_TAG',
        topicSysFlag: h.optInt('topicSysFlag', 0),
        order: h.optBool('order', false),
        attributes,
      }),
    );
    return createResponse(req, r.code, r.remark);
  });

  server.registerProcessor(RequestCode.DELETE_TOPIC_IN_BROKER, (req) => {
    const r = service.deleteTopic(new ExtFields(req.extFields).string('topic'));
    return createResponse(req, r.code, r.remark);
  });

  server.registerProcessor(RequestCode.GET_ALL_TOPIC_CONFIG, (req) =>
    jsonResponse(req, {
      topicConfigTable: Object.fromEntries(topics.all().map((t) => [t.topicName, t])),
      dataVersion: topics.version,
    }),
  );

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
    groups.put(newSubscriptionGroupConfig(body.groupName, body));
    return createResponse(req, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (req) =>
    jsonResponse(req, {
      subscriptionGroupTable: Object.fromEntries(groups.all().map((g) => [g.groupName, g])),
    }),
  );

  server.registerProcessor(RequestCode.DELETE_SUBSCRIPTIONGROUP, (req) => {
    groups.delete(new ExtFields(req.extFields).string('groupName'));
    return createResponse(req, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_CONSUME_STATS, (req) => {
    const h = new ExtFields(req.extFields);
    const group = h.string('consumerGroup');
    const only = h.optString('topic');
    const offsetTable = [];
    for (const topic of only ? [only] : offsets.topicsOf(group)) {
      const tc = topics.get(topic);
      if (!tc) continue;
      for (let q = 0; q < tc.readQueueNums; q++) {
        const brokerOffset = store.getMaxOffsetInQueue(topic, q);
        const consumerOffset = Math.max(0, offsets.query(group, topic, q));
        const last =
          consumerOffset > 0
            ? store.getMessageStoreTimeStamp(topic, q, consumerOffset - 1)
            : undefined;
        offsetTable.push({
          messageQueue: { topic, brokerName: config.brokerName, queueId: q },
          brokerOffset,
          consumerOffset,
          lastTimestamp: last ?? 0,
        });
      }
    }
    return jsonResponse(req, { offsetTable, consumeTps: 0 });
  });

  server.registerProcessor(RequestCode.GET_TOPIC_STATS_INFO, (req) => {
    const topic = new ExtFields(req.extFields).string('topic');
    const tc = topics.get(topic);
    if (!tc) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist`);
    const offsetTable = [];
    for (let q = 0; q < tc.writeQueueNums; q++) {
      const max = store.getMaxOffsetInQueue(topic, q);
      offsetTable.push({
        messageQueue: { topic, brokerName: config.brokerName, queueId: q },
        minOffset: store.getMinOffsetInQueue(topic, q),
        maxOffset: max,
        lastUpdateTimestamp: max > 0 ? (store.getMessageStoreTimeStamp(topic, q, max - 1) ?? 0) : 0,
      });
    }
    return jsonResponse(req, { offsetTable });
  });

  server.registerProcessor(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (req) => {
    const h = new ExtFields(req.extFields);
    const group = h.string('group');
    const topic = h.string('topic');
    const timestamp = h.int('timestamp');
    const force = h.optBool('isForce', true);
    const r = resetConsumerOffset(service.deps, {
      group,
      topic,
      timestamp,
      force,
      queueId: h.optInt('queueId', -1),
      offset: h.optInt('offset', -1),
    });
    if (!r.queues) return createResponse(req, r.code, r.remark);
    const body = (queues: readonly ResetQueueOffset[]): Buffer =>
      encodeResetOffsetBody(
        queues.map((q) => ({
          messageQueue: { topic, brokerName: config.brokerName, queueId: q.queueId },
          offset: q.offset,
        })),
      );
    const moved = r.queues.filter((q) => q.changed);
    const info = consumers.get(group);
    if (moved.length > 0 && info?.subscriptions.has(topic)) {
      const notice = createRequest(
        RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
        0,
        { topic, group, timestamp: String(timestamp), isForce: String(force) },
        body(moved),
      );
      for (const conn of info.channels.keys()) conn.oneway(notice);
    }
    return createResponse(req, ResponseCode.SUCCESS, undefined, undefined, body(r.queues));
  });

  server.registerProcessor(RequestCode.GET_CONSUMER_CONNECTION_LIST, (req) => {
    const group = new ExtFields(req.extFields).string('consumerGroup');
    const info = consumers.get(group);
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

  server.registerProcessor(RequestCode.GET_BROKER_RUNTIME_INFO, (req) => {
    const table: Record<string, string> = {
      brokerVersionDesc: 'rocketmq-ts 0.1.0',
      brokerName: config.brokerName,
      brokerId: String(config.brokerId),
      brokerRole: config.brokerRole,
      msgPutTotalTodayNow: '0',
      commitLogMinOffset: String(store.getMinPhyOffset()),
      commitLogMaxOffset: String(store.getMaxPhyOffset()),
      commitLogDirCapacity: `flushed ${store.getFlushedPhyOffset()}`,
      earliestMessageTimeStamp: String(store.getEarliestMessageTime() ?? 0),
      topicCount: String(topics.all().length),
      consumerGroupCount: String(groups.all().length),
      onlineConsumerGroups: String(consumers.groupNames().length),
      bootTimestamp: String(service.bootTimestamp),
      rssBytes: String(process.memoryUsage().rss),
    };
    return jsonResponse(req, { table });
  });
}
