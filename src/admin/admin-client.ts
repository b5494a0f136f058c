import { pino, type Logger } from 'pino';
import { RemotingClient } from '../remoting/transport/remoting-client.ts';
import { createRequest, type RemotingCommand } from '../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../remoting/protocol/request-code.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';
import { MQBrokerError } from '../common/errors/mq-broker-error.ts';
import { decodeOffsetMessageId } from '../common/message/message-id.ts';
import { decodeRecord } from '../common/message/message-ext-codec.ts';
import { encodeProperties } from '../common/message/message-properties.ts';
import type { MessageExt } from '../common/message/message-ext.ts';
import type { ClusterInfo, TopicRouteData } from '../common/protocol-data/route-data.ts';
import { decodeResetOffsetBody } from '../common/protocol-data/reset-offset-body.ts';
import { mapEntries, parseJavaJson } from '../common/protocol-data/java-json.ts';

export interface AdminClientOptions {
  /** Name servers, "host:port;host:port". */
  namesrvAddr: string;
  timeoutMs?: number;
  logger?: Logger;
}

export interface QueueStat {
  brokerName: string;
  queueId: number;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export interface ConsumerQueueProgress {
  topic: string;
  brokerName: string;
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

/** A queue's offset for the group after resetOffsetByTime. */
export interface ResetQueueOffset {
  brokerName: string;
  queueId: number;
  offset: number;
}

export interface TopicSettings {
  topic: string;
  readQueueNums?: number;
  writeQueueNums?: number;
  perm?: number;
  order?: boolean;
  /** mqadmin syntax: "+message.type=FIFO". */
  attributes?: string | undefined;
}

/** Admin operations over Remoting, as mqadmin performs them: name servers first, then brokers. */
export class AdminClient {
  private readonly namesrvs: string[];
  private readonly timeoutMs: number;
  private readonly client: RemotingClient;

  constructor(options: AdminClientOptions) {
    this.namesrvs = options.namesrvAddr
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.client = new RemotingClient({ logger: options.logger ?? pino({ level: 'silent' }) });
  }

  private async call(
    addr: string,
    action: string,
    code: number,
    ext: Record<string, string> = {},
    body?: Buffer,
  ): Promise<RemotingCommand> {
    const res = await this.client.invoke(addr, createRequest(code, 0, ext, body), this.timeoutMs);
    if (res.code !== ResponseCode.SUCCESS)
      throw new MQBrokerError(res.code, res.remark, addr, action);
    return res;
  }

  /** Asks the name servers in turn until one answers. */
  private async namesrv(
    action: string,
    code: number,
    ext: Record<string, string> = {},
  ): Promise<RemotingCommand> {
    let last: unknown;
    for (const addr of this.namesrvs) {
      try {
        return await this.call(addr, action, code, ext);
      } catch (err) {
        if (err instanceof MQBrokerError) throw err;
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(`${action} failed: no name server configured`);
  }

  /** A body in RocketMQ's JSON dialect (fastjson's object-keyed maps come back as Maps). */
  private static json<T>(res: RemotingCommand): T {
    return parseJavaJson(res.body?.toString('utf8') || 'null') as T;
  }

  /** The [MessageQueue, value] pairs of a Map<MessageQueue, T> body field. */
  private static queueEntries<T>(
    table: unknown,
  ): [{ topic: string; brokerName: string; queueId: number }, T][] {
    return mapEntries(table) as [{ topic: string; brokerName: string; queueId: number }, T][];
  }

  async topicRoute(topic: string): Promise<TopicRouteData> {
    return AdminClient.json(
      await this.namesrv(`Route lookup of ${topic}`, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }),
    );
  }

  async clusterInfo(): Promise<ClusterInfo> {
    return AdminClient.json(
      await this.namesrv('Cluster lookup', RequestCode.GET_BROKER_CLUSTER_INFO),
    );
  }

  async topicList(): Promise<string[]> {
    return AdminClient.json<{ topicList: string[] }>(
      await this.namesrv('Topic list', RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
    ).topicList;
  }

  /** Master addresses of a cluster's brokers. */
  async masterAddrs(clusterName: string): Promise<string[]> {
    const info = await this.clusterInfo();
    const names = info.clusterAddrTable[clusterName];
    if (!names)
      throw new Error(
        `Cannot find cluster "${clusterName}"; known: ${Object.keys(info.clusterAddrTable).join(', ') || 'none'}`,
      );
    return names
      .map((n) => info.brokerAddrTable[n]?.brokerAddrs['0'])
      .filter((a): a is string => a !== undefined);
  }

  async updateTopic(brokerAddrs: readonly string[], settings: TopicSettings): Promise<void> {
    const w = settings.writeQueueNums ?? 8;
    for (const addr of brokerAddrs) {
      await this.call(addr, `Create topic ${settings.topic}`, RequestCode.UPDATE_AND_CREATE_TOPIC, {
        topic: settings.topic,
        defaultTopic: 'TBW102',
        readQueueNums: String(settings.readQueueNums ?? w),
        writeQueueNums: String(w),
        perm: String(settings.perm ?? 6),
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: '0',
        order: String(settings.order ?? false),
        ...(settings.attributes ? { attributes: settings.attributes } : {}),
      });
    }
  }

  async deleteTopic(topic: string, clusterName: string): Promise<void> {
    for (const addr of await this.masterAddrs(clusterName)) {
      await this.call(addr, `Delete topic ${topic}`, RequestCode.DELETE_TOPIC_IN_BROKER, { topic });
    }
    for (const addr of this.namesrvs) {
      await this.call(addr, `Delete topic ${topic}`, RequestCode.DELETE_TOPIC_IN_NAMESRV, {
        topic,
        clusterName,
      });
    }
  }

  async topicStatus(topic: string): Promise<QueueStat[]> {
    const route = await this.topicRoute(topic);
    const out: QueueStat[] = [];
    for (const b of route.brokerDatas) {
      const addr = b.brokerAddrs['0'];
      if (!addr) continue;
      const stats = AdminClient.json<{ offsetTable: unknown }>(
        await this.call(addr, `Topic status of ${topic}`, RequestCode.GET_TOPIC_STATS_INFO, {
          topic,
        }),
      );
      const entries = AdminClient.queueEntries<{
        minOffset: number;
        maxOffset: number;
        lastUpdateTimestamp: number;
      }>(stats.offsetTable);
      for (const [mq, s] of entries) {
        out.push({
          brokerName: b.brokerName,
          queueId: mq.queueId,
          minOffset: s.minOffset,
          maxOffset: s.maxOffset,
          lastUpdateTimestamp: s.lastUpdateTimestamp,
        });
      }
    }
    return out;
  }

  async updateSubGroup(
    brokerAddrs: readonly string[],
    config: Record<string, unknown> & { groupName: string },
  ): Promise<void> {
    const body = Buffer.from(JSON.stringify(config));
    for (const addr of brokerAddrs) {
      await this.call(
        addr,
        `Create group ${config.groupName}`,
        RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
        {},
        body,
      );
    }
  }

  /** Per queue: broker offset, consumer offset (their difference is the lag). */
  async consumerProgress(group: string, topic?: string): Promise<ConsumerQueueProgress[]> {
    const info = await this.clusterInfo();
    const out: ConsumerQueueProgress[] = [];
    for (const b of Object.values(info.brokerAddrTable)) {
      const addr = b.brokerAddrs['0'];
      if (!addr) continue;
      const stats = AdminClient.json<{ offsetTable: unknown }>(
        await this.call(addr, `Consumer progress of ${group}`, RequestCode.GET_CONSUME_STATS, {
          consumerGroup: group,
          ...(topic ? { topic } : {}),
        }),
      );
      const entries = AdminClient.queueEntries<{
        brokerOffset: number;
        consumerOffset: number;
        lastTimestamp: number;
      }>(stats.offsetTable);
      for (const [mq, s] of entries)
        out.push({
          topic: mq.topic,
          brokerName: mq.brokerName,
          queueId: mq.queueId,
          brokerOffset: s.brokerOffset,
          consumerOffset: s.consumerOffset,
          lastTimestamp: s.lastTimestamp,
        });
    }
    return out.sort(
      (a, b) =>
        a.topic.localeCompare(b.topic) ||
        a.brokerName.localeCompare(b.brokerName) ||
        a.queueId - b.queueId,
    );
  }

  /**
   * Resets a group's offsets on a topic, on every broker serving it (mqadmin resetOffsetByTime):
   * each queue moves to its first message stored at or after `timestamp` (ms; -1 = the end), and
   * the group's live consumers continue from there. With `force` false an offset only moves back.
   */
  async resetOffsetByTime(
    group: string,
    topic: string,
    timestamp: number,
    force = true,
  ): Promise<ResetQueueOffset[]> {
    const route = await this.topicRoute(topic);
    const out: ResetQueueOffset[] = [];
    let brokers = 0;
    for (const b of route.brokerDatas) {
      const addr = b.brokerAddrs['0'];
      if (!addr) continue;
      brokers++;
      const res = await this.call(
        addr,
        `Reset offsets of ${group} on ${topic}`,
        RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
        {
          topic,
          group,
          timestamp: String(timestamp),
          isForce: String(force),
          queueId: '-1',
          offset: '-1',
        },
      );
      for (const e of decodeResetOffsetBody(res.body))
        out.push({
          brokerName: e.messageQueue.brokerName,
          queueId: e.messageQueue.queueId,
          offset: e.offset,
        });
    }
    if (brokers === 0)
      throw new Error(`Cannot reset offsets of ${group}: no master serves topic "${topic}"`);
    return out.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
  }

  async brokerStatus(brokerAddr: string): Promise<Record<string, string>> {
    return AdminClient.json<{ table: Record<string, string> }>(
      await this.call(brokerAddr, 'Broker status', RequestCode.GET_BROKER_RUNTIME_INFO),
    ).table;
  }

  /** Looks a message up by its offset message id (the broker address and CommitLog offset are in it). */
  async queryMsgById(msgId: string): Promise<MessageExt> {
    const { host, port, commitLogOffset } = decodeOffsetMessageId(msgId);
    const res = await this.call(
      `${host}:${port}`,
      `Message ${msgId}`,
      RequestCode.VIEW_MESSAGE_BY_ID,
      { offset: String(commitLogOffset) },
    );
    return decodeRecord(res.body ?? Buffer.alloc(0), 0, true);
  }

  async queryMsgByKey(
    topic: string,
    key: string,
    maxNum = 32,
    begin = 0,
    end = Date.now(),
  ): Promise<MessageExt[]> {
    const route = await this.topicRoute(topic);
    const out: MessageExt[] = [];
    for (const b of route.brokerDatas) {
      const addr = b.brokerAddrs['0'];
      if (!addr) continue;
      const res = await this.client.invoke(
        addr,
        createRequest(RequestCode.QUERY_MESSAGE, 0, {
          topic,
          key,
          maxNum: String(maxNum),
          beginTimestamp: String(begin),
          endTimestamp: String(end),
        }),
        this.timeoutMs,
      );
      if (res.code === ResponseCode.QUERY_NOT_FOUND) continue;
      if (res.code !== ResponseCode.SUCCESS)
        throw new MQBrokerError(res.code, res.remark, addr, `Query ${topic} by key ${key}`);
      const body = res.body ?? Buffer.alloc(0);
      for (let p = 0; p < body.length; p += body.readInt32BE(p))
        out.push(decodeRecord(body, p, true));
    }
    return out;
  }

  /**
   * Sends a stored message (a dead letter, say) again to its original topic: the RETRY_TOPIC
   * property when it has one, else its topic. Retry bookkeeping properties are dropped, the id kept.
   */
  async resendMessageById(
    msgId: string,
    topic?: string,
  ): Promise<{ target: string; queueId: number; queueOffset: number }> {
    const m = await this.queryMsgById(msgId);
    const target = topic ?? m.properties.get('RETRY_TOPIC') ?? m.topic;
    const props = new Map(m.properties);
    for (const k of [
      'RETRY_TOPIC',
      'RECONSUME_TIME',
      'DELAY',
      'REAL_TOPIC',
      'REAL_QID',
      'ORIGIN_MESSAGE_ID',
      'MAX_RECONSUME_TIMES',
    ])
      props.delete(k);
    const route = await this.topicRoute(target);
    const broker = route.brokerDatas.find((b) => b.brokerAddrs['0']);
    const addr = broker?.brokerAddrs['0'];
    if (!addr) throw new Error(`Cannot resend ${msgId}: no master serves topic "${target}"`);
    const res = await this.call(
      addr,
      `Resend ${msgId} to ${target}`,
      RequestCode.SEND_MESSAGE_V2,
      {
        a: 'TOOLS_CONSUMER',
        b: target,
        c: 'TBW102',
        d: '4',
        e: '-1',
        f: String(m.sysFlag & ~0x30),
        g: String(Date.now()),
        h: String(m.flag),
        i: encodeProperties(props),
        j: '0',
        k: 'false',
      },
      m.body,
    );
    return {
      target,
      queueId: Number(res.extFields?.queueId ?? -1),
      queueOffset: Number(res.extFields?.queueOffset ?? -1),
    };
  }

  async shutdown(): Promise<void> {
    await this.client.shutdown();
  }
}
