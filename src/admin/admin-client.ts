import type { HARuntimeInfo } from '../common/protocol-data/ha-runtime-info.ts';
import { RequestCode } from '../remoting/protocol/request-code.ts';
import { ResponseCode } from '../remoting/protocol/response-code.ts';
import { parseProperties } from '../common/config/properties-parser.ts';
import { MQBrokerError } from '../common/errors/mq-broker-error.ts';
import type { TopicConfig } from '../common/protocol-data/route-data.ts';
import { decodeResetOffsetBody } from '../common/protocol-data/reset-offset-body.ts';
import { AdminTransport, type NamesrvAnswer } from './admin-transport.ts';
import {
  findMessage,
  pullMessages,
  queryMessages,
  queueOffset,
  resendMessage,
  viewMessage,
  type AdminMessage,
  type PullResult,
  type QueryOptions,
  type SendResult,
} from './message-queries.ts';
import {
  consumeMessageDirectly,
  consumerConnection,
  consumerRunningInfo,
  consumeStats,
  messageTrack,
  producerConnection,
  topicConsumers,
  type Connection,
  type ConsumeMessageDirectlyResult,
  type ConsumerConnection,
  type ConsumerRunningInfo,
  type ConsumeStats,
  type MessageTrack,
} from './group-queries.ts';

export interface QueueStat {
  brokerName: string;
  queueId: number;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

/** A queue's offset for the group after resetOffsetByTime. */
export interface ResetQueueOffset {
  brokerName: string;
  queueId: number;
  offset: number;
}

export interface TopicSettings {
  topic: string;
  /** @defaultValue writeQueueNums */
  readQueueNums?: number;
  /** @defaultValue 8 */
  writeQueueNums?: number;
  perm?: number;
  order?: boolean;
  topicSysFlag?: number;
  /** mqadmin syntax: "+message.type=FIFO". */
  attributes?: string | undefined;
}

/** A subscription group's settings as UPDATE_AND_CREATE_SUBSCRIPTIONGROUP takes them. */
export type SubscriptionGroupSettings = Record<string, unknown> & { groupName: string };

/** One broker's part of updateTopicPerm: the perm the route had, the config written. */
export interface TopicPermChange {
  brokerAddr: string;
  oldPerm: number;
  config: TopicConfig;
}

/** A window of BrokerStatsData (VIEW_BROKER_STATS_DATA). */
export interface StatsWindow {
  sum: number;
  tps: number;
  avgpt: number;
}

export interface BrokerStatsData {
  statsMinute: StatsWindow;
  statsHour: StatsWindow;
  statsDay: StatsWindow;
}

/** The name server KV namespace of ordered topics' queue layout ("broker-a:8;broker-b:8"). */
const ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

/**
 * Admin operations over Remoting, as mqadmin performs them: name servers first, then brokers.
 * A refusal is an MQBrokerError with RocketMQ's response code and remark.
 */
export class AdminClient extends AdminTransport {
  async topicList(): Promise<string[]> {
    return AdminTransport.json<{ topicList: string[] }>(
      await this.namesrv('Topic list', RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
    ).topicList;
  }

  /** The clusters whose brokers serve a topic. */
  async topicClusterList(topic: string): Promise<string[]> {
    const route = await this.topicRoute(topic);
    const info = await this.clusterInfo();
    const names = new Set(route.brokerDatas.map((b) => b.brokerName));
    return Object.entries(info.clusterAddrTable)
      .filter(([, brokers]) => brokers.some((b) => names.has(b)))
      .map(([cluster]) => cluster)
      .sort();
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
        topicSysFlag: String(settings.topicSysFlag ?? 0),
        order: String(settings.order ?? false),
        ...(settings.attributes ? { attributes: settings.attributes } : {}),
      });
    }
  }

  /**
   * An ordered topic's queue layout in the name servers' KV config: `queues` by broker name,
   * replacing the layout (a whole cluster) or merged into it (one broker).
   */
  async updateOrderConf(
    topic: string,
    queues: Record<string, number>,
    replace: boolean,
  ): Promise<string> {
    const layout = new Map<string, string>();
    if (!replace) {
      const old = await this.getKvConfig(ORDER_TOPIC_CONFIG, topic);
      for (const part of (old ?? '').split(';').filter((p) => p.includes(':'))) {
        const [name = '', n = ''] = part.split(':');
        layout.set(name, n);
      }
    }
    for (const [name, n] of Object.entries(queues)) layout.set(name, String(n));
    const conf = [...layout].map(([name, n]) => `${name}:${n}`).join(';');
    await this.updateKvConfig(ORDER_TOPIC_CONFIG, topic, conf);
    return conf;
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

  /** A broker's config of a topic (GET_TOPIC_CONFIG). */
  async topicConfig(brokerAddr: string, topic: string): Promise<TopicConfig> {
    return AdminTransport.json(
      await this.call(brokerAddr, `Config of topic ${topic}`, RequestCode.GET_TOPIC_CONFIG, {
        topic,
      }),
    );
  }

  /**
   * Sets a topic's perm on the given masters, keeping its queues, flags and order. Each must be
   * a master of the topic's route; the perm it had there comes back with the new config.
   */
  async updateTopicPerm(
    topic: string,
    perm: number,
    brokerAddrs: readonly string[],
  ): Promise<TopicPermChange[]> {
    const route = await this.topicRoute(topic);
    const out: TopicPermChange[] = [];
    for (const brokerAddr of brokerAddrs) {
      const broker = route.brokerDatas.find((b) => b.brokerAddrs['0'] === brokerAddr);
      const queues = route.queueDatas.find((q) => q.brokerName === broker?.brokerName);
      if (!broker || !queues)
        throw new Error(
          `Cannot update the perm of ${topic}: ${brokerAddr} is not a master serving it`,
        );
      const config = { ...(await this.topicConfig(brokerAddr, topic)), perm };
      await this.updateTopic([brokerAddr], {
        topic,
        readQueueNums: config.readQueueNums,
        writeQueueNums: config.writeQueueNums,
        perm,
        order: config.order,
        topicSysFlag: config.topicSysFlag,
      });
      out.push({ brokerAddr, oldPerm: queues.perm, config });
    }
    return out;
  }

  /** Per write queue: min and max offsets, on every master of the topic (or of one cluster). */
  async topicStatus(topic: string, clusterName?: string): Promise<QueueStat[]> {
    const out: QueueStat[] = [];
    for (const b of await this.topicMasters(topic, clusterName)) {
      const stats = AdminTransport.json<{ offsetTable: unknown }>(
        await this.call(b.addr, `Topic status of ${topic}`, RequestCode.GET_TOPIC_STATS_INFO, {
          topic,
        }),
      );
      const entries = AdminTransport.queueEntries<{
        minOffset: number;
        maxOffset: number;
        lastUpdateTimestamp: number;
      }>(stats.offsetTable);
      for (const [mq, s] of entries) {
        out.push({
          brokerName: mq.brokerName,
          queueId: mq.queueId,
          minOffset: s.minOffset,
          maxOffset: s.maxOffset,
          lastUpdateTimestamp: s.lastUpdateTimestamp,
        });
      }
    }
    return out.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
  }

  async updateSubGroup(
    brokerAddrs: readonly string[],
    config: SubscriptionGroupSettings,
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

  /** Removes a group's config from the brokers; with `cleanOffset` its offsets too. */
  async deleteSubGroup(
    brokerAddrs: readonly string[],
    group: string,
    cleanOffset = false,
  ): Promise<void> {
    for (const addr of brokerAddrs) {
      await this.call(addr, `Delete group ${group}`, RequestCode.DELETE_SUBSCRIPTIONGROUP, {
        groupName: group,
        cleanOffset: String(cleanOffset),
      });
    }
  }

  /** Per queue: broker, consumer and pull offsets (their differences are lag and inflight). */
  consumeStats(group: string, topic?: string, clusterName?: string): Promise<ConsumeStats> {
    return consumeStats(this, group, topic, clusterName);
  }

  consumerConnection(group: string, brokerAddr?: string): Promise<ConsumerConnection> {
    return consumerConnection(this, group, brokerAddr);
  }

  producerConnection(group: string, topic: string): Promise<Connection[]> {
    return producerConnection(this, group, topic);
  }

  /** GET_CONSUMER_RUNNING_INFO, relayed to the client by a broker of its group. */
  consumerRunningInfo(
    group: string,
    clientId: string,
    jstack = false,
    brokerAddr?: string,
  ): Promise<ConsumerRunningInfo> {
    return consumerRunningInfo(this, group, clientId, jstack, brokerAddr);
  }

  consumeMessageDirectly(
    group: string,
    clientId: string,
    message: AdminMessage,
  ): Promise<ConsumeMessageDirectlyResult> {
    return consumeMessageDirectly(this, group, clientId, message);
  }

  topicConsumers(topic: string): Promise<string[]> {
    return topicConsumers(this, topic);
  }

  messageTrack(message: AdminMessage): Promise<MessageTrack[]> {
    return messageTrack(this, message);
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
    clusterName?: string,
  ): Promise<ResetQueueOffset[]> {
    const masters = await this.topicMasters(topic, clusterName);
    if (masters.length === 0)
      throw new Error(`Cannot reset offsets of ${group}: no master serves topic "${topic}"`);
    const out: ResetQueueOffset[] = [];
    for (const b of masters) {
      const res = await this.call(
        b.addr,
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
    return out.sort((a, b) => a.brokerName.localeCompare(b.brokerName) || a.queueId - b.queueId);
  }

  /** Resets one queue of a group at one broker to `offset`. */
  async resetQueueOffset(
    brokerAddr: string,
    group: string,
    topic: string,
    queueId: number,
    offset: number,
  ): Promise<void> {
    await this.call(
      brokerAddr,
      `Reset offset of ${group} on ${topic}-${queueId}`,
      RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
      {
        topic,
        group,
        timestamp: '0',
        isForce: 'true',
        queueId: String(queueId),
        offset: String(offset),
      },
    );
  }

  /** The offset of a queue's first message stored at or after `timestamp`, at one broker. */
  searchOffset(
    brokerAddr: string,
    topic: string,
    queueId: number,
    timestamp: number,
  ): Promise<number> {
    return queueOffset(this, brokerAddr, { topic, brokerName: '', queueId }, 'time', timestamp);
  }

  /** Gives `destGroup` the committed offsets `srcGroup` has on `topic`; the queues set come back. */
  async cloneGroupOffset(srcGroup: string, destGroup: string, topic: string): Promise<number> {
    const stats = await this.consumeStats(srcGroup, topic);
    const masters = new Map((await this.topicMasters(topic)).map((b) => [b.brokerName, b.addr]));
    let cloned = 0;
    for (const q of stats.queues) {
      const addr = masters.get(q.brokerName);
      if (!addr || q.consumerOffset < 0) continue;
      await this.call(addr, `Offset of ${destGroup}`, RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: destGroup,
        topic: q.topic,
        queueId: String(q.queueId),
        commitOffset: String(q.consumerOffset),
      });
      cloned++;
    }
    return cloned;
  }

  async brokerStatus(brokerAddr: string): Promise<Record<string, string>> {
    return AdminTransport.json<{ table: Record<string, string> }>(
      await this.call(brokerAddr, 'Broker status', RequestCode.GET_BROKER_RUNTIME_INFO),
    ).table;
  }

  /** A master's slaves and how far behind each is, or a slave's master (GET_BROKER_HA_STATUS). */
  async haStatus(brokerAddr: string): Promise<HARuntimeInfo> {
    return AdminTransport.json<HARuntimeInfo>(
      await this.call(brokerAddr, 'HA status', RequestCode.GET_BROKER_HA_STATUS),
    );
  }

  /** Every key a broker runs with (GET_BROKER_CONFIG). */
  async brokerConfig(brokerAddr: string): Promise<Map<string, string>> {
    const res = await this.call(brokerAddr, 'Broker config', RequestCode.GET_BROKER_CONFIG);
    return parseProperties(res.body?.toString('utf8') ?? '');
  }

  /** Changes keys of a running broker; a key it cannot change at run time is refused by name. */
  async updateBrokerConfig(brokerAddr: string, properties: Record<string, string>): Promise<void> {
    const text = Object.entries(properties)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    await this.call(
      brokerAddr,
      `Update broker config ${Object.keys(properties).join(', ')}`,
      RequestCode.UPDATE_BROKER_CONFIG,
      {},
      Buffer.from(`${text}\n`),
    );
  }

  /** A broker's counter (TOPIC_PUT_NUMS of a topic, GROUP_GET_NUMS of topic@group), if it has one. */
  async statsData(
    brokerAddr: string,
    statsName: string,
    statsKey: string,
  ): Promise<BrokerStatsData | undefined> {
    const res = await this.call(
      brokerAddr,
      `Stats ${statsName} of ${statsKey}`,
      RequestCode.VIEW_BROKER_STATS_DATA,
      { statsName, statsKey },
      undefined,
      [ResponseCode.SUCCESS, ResponseCode.SYSTEM_ERROR],
    );
    return res.code === ResponseCode.SUCCESS ? AdminTransport.json(res) : undefined;
  }

  /** Takes (or with `writable`, gives back) a broker's write perm in every name server's routes. */
  async setBrokerWritePerm(
    brokerName: string,
    writable: boolean,
  ): Promise<NamesrvAnswer<number>[]> {
    const code = writable
      ? RequestCode.ADD_WRITE_PERM_OF_BROKER
      : RequestCode.WIPE_WRITE_PERM_OF_BROKER;
    const field = writable ? 'addTopicCount' : 'wipeTopicCount';
    return this.eachNamesrv(async (addr) => {
      const res = await this.call(
        addr,
        `${writable ? 'Add' : 'Wipe'} write perm of ${brokerName}`,
        code,
        {
          brokerName,
        },
      );
      return Number(res.extFields?.[field] ?? 0);
    });
  }

  /** Every name server's configuration. */
  async namesrvConfigs(): Promise<NamesrvAnswer<Map<string, string>>[]> {
    return this.eachNamesrv(async (addr) => {
      const res = await this.call(addr, 'Name server config', RequestCode.GET_NAMESRV_CONFIG);
      return parseProperties(res.body?.toString('utf8') ?? '');
    });
  }

  /** A KV config entry, from the first name server that answers; undefined when it has none. */
  async getKvConfig(namespace: string, key: string): Promise<string | undefined> {
    try {
      const res = await this.namesrv(`KV config ${namespace}/${key}`, RequestCode.GET_KV_CONFIG, {
        namespace,
        key,
      });
      return res.extFields?.value;
    } catch (err) {
      if (err instanceof MQBrokerError && err.responseCode === ResponseCode.QUERY_NOT_FOUND)
        return undefined;
      throw err;
    }
  }

  /** Sets a KV config entry on every name server. */
  async updateKvConfig(namespace: string, key: string, value: string): Promise<void> {
    for (const addr of this.namesrvs)
      await this.call(addr, `Put KV config ${namespace}/${key}`, RequestCode.PUT_KV_CONFIG, {
        namespace,
        key,
        value,
      });
  }

  /** Removes a KV config entry from every name server. */
  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    for (const addr of this.namesrvs)
      await this.call(addr, `Delete KV config ${namespace}/${key}`, RequestCode.DELETE_KV_CONFIG, {
        namespace,
        key,
      });
  }

  /** A message by its offset message id. */
  viewMessage(offsetMsgId: string): Promise<AdminMessage> {
    return viewMessage(this, offsetMsgId);
  }

  /** A message by offset message id or by the producer's id (UNIQ_KEY) on `topic`. */
  findMessage(
    topic: string,
    msgId: string,
    clusterName?: string,
  ): Promise<AdminMessage | undefined> {
    return findMessage(this, topic, msgId, clusterName);
  }

  queryMsgByKey(topic: string, key: string, options?: QueryOptions): Promise<AdminMessage[]> {
    return queryMessages(this, topic, key, false, options);
  }

  /** The messages with a producer's id on a topic (more than one when it was sent again). */
  queryMsgByUniqueKey(
    topic: string,
    msgId: string,
    options?: QueryOptions,
  ): Promise<AdminMessage[]> {
    return queryMessages(this, topic, msgId, true, { maxNum: 32, ...options });
  }

  /** Up to `maxNums` messages of a queue from `offset`, read by the tools' consumer group. */
  async pullMessages(
    queue: { topic: string; brokerName: string; queueId: number },
    expression: string,
    offset: number,
    maxNums: number,
  ): Promise<PullResult> {
    return pullMessages(
      this,
      await this.masterOf(queue.brokerName),
      queue,
      expression,
      offset,
      maxNums,
    );
  }

  /** A queue's min or max offset, or the first offset stored at or after `timestamp`. */
  async queueOffset(
    queue: { topic: string; brokerName: string; queueId: number },
    kind: 'min' | 'max' | 'time',
    timestamp = 0,
  ): Promise<number> {
    return queueOffset(this, await this.masterOf(queue.brokerName), queue, kind, timestamp);
  }

  /** Sends a stored message (a dead letter, say) again to its original topic. */
  resendMessage(message: AdminMessage): Promise<SendResult> {
    return resendMessage(this, message);
  }
}
