import { createResponse, jsonResponse } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import { ResponseCode } from '../../remoting/protocol/response-code.ts';
import { ExtFields } from '../../remoting/protocol/headers/ext-fields.ts';
import type { RemotingServer } from '../../remoting/transport/remoting-server.ts';
import { parseProperties } from '../../common/config/properties-parser.ts';
import { responseCodeOf } from './response-code-of.ts';
import type { BrokerOperations } from '../operations/broker-operations.ts';

/**
 * Metadata reads: GET_TOPIC_CONFIG, GET_SUBSCRIPTIONGROUP_CONFIG, GET_ALL_CONSUMER_OFFSET,
 * GET_ALL_DELAY_OFFSET, QUERY_TOPIC_CONSUME_BY_WHO, VIEW_BROKER_STATS_DATA, GET_PRODUCER_CONNECTION_LIST, GET_BROKER_CONFIG and UPDATE_BROKER_CONFIG,
 * in the bodies
 * RocketMQ's tools parse.
 */
export function registerAdminMetadataProcessor(
  server: RemotingServer,
  ops: BrokerOperations,
): void {
  const { metadata } = ops;
  server.registerProcessor(RequestCode.GET_TOPIC_CONFIG, (req) => {
    const r = metadata.topicConfig(new ExtFields(req.extFields).string('topic'));
    if (!r.config) return createResponse(req, responseCodeOf(r.status), r.remark);
    // TopicConfigAndQueueMapping: the topic config, and no static-topic queue mapping.
    return jsonResponse(req, { ...r.config, mappingDetail: null });
  });

  server.registerProcessor(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, (req) => {
    const r = metadata.groupConfig(new ExtFields(req.extFields).string('group'));
    if (!r.config) return createResponse(req, responseCodeOf(r.status), r.remark);
    return jsonResponse(req, r.config);
  });

  server.registerProcessor(RequestCode.GET_ALL_CONSUMER_OFFSET, (req) =>
    jsonResponse(req, { offsetTable: metadata.consumerOffsets() }),
  );

  server.registerProcessor(RequestCode.GET_ALL_DELAY_OFFSET, (req) =>
    jsonResponse(req, { offsetTable: metadata.delayOffsets() }),
  );

  server.registerProcessor(RequestCode.QUERY_CONSUME_QUEUE, (req) => {
    const h = new ExtFields(req.extFields);
    return jsonResponse(
      req,
      metadata.consumeQueue({
        topic: h.string('topic'),
        queueId: h.int('queueId'),
        index: h.int('index'),
        count: h.optInt('count', 10),
        group: h.optString('consumerGroup'),
      }),
    );
  });

  server.registerProcessor(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, (req) =>
    jsonResponse(req, {
      groupList: metadata.topicConsumers(new ExtFields(req.extFields).string('topic')),
    }),
  );

  server.registerProcessor(RequestCode.VIEW_BROKER_STATS_DATA, (req) => {
    const h = new ExtFields(req.extFields);
    const r = metadata.statsData(h.string('statsName'), h.string('statsKey'));
    if (!r.data) return createResponse(req, responseCodeOf(r.status), r.remark);
    return jsonResponse(req, r.data);
  });

  server.registerProcessor(RequestCode.GET_PRODUCER_CONNECTION_LIST, (req) => {
    const r = metadata.producers(new ExtFields(req.extFields).string('producerGroup'));
    if (!r.channels) return createResponse(req, responseCodeOf(r.status), r.remark);
    return jsonResponse(req, {
      connectionSet: r.channels.map((c) => ({
        clientId: c.clientId,
        clientAddr: c.connection.remoteAddress,
        language: c.language,
        version: c.version,
      })),
    });
  });

  server.registerProcessor(RequestCode.UPDATE_BROKER_CONFIG, (req) => {
    const r = metadata.updateConfig(parseProperties(req.body?.toString('utf8') ?? ''));
    return createResponse(req, responseCodeOf(r.status), r.remark);
  });

  server.registerProcessor(RequestCode.GET_BROKER_CONFIG, (req) =>
    createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      { version: JSON.stringify(ops.admin.topics().version) },
      Buffer.from(metadata.brokerConfigText(), 'utf8'),
    ),
  );
}
