import type { Logger } from 'pino';
import type { ClientConnection } from './client-connection.ts';
import type { ConsumerData, SubscriptionData } from '../../common/protocol-data/heartbeat-data.ts';

export interface ClientChannel {
  clientId: string;
  connection: ClientConnection;
  language: string;
  version: number;
  lastUpdate: number;
}

export interface ConsumerGroupInfo {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  channels: Map<ClientConnection, ClientChannel>;
  subscriptions: Map<string, SubscriptionData>;
  lastUpdate: number;
}

/**
 * Live consumers per group (RocketMQ's ConsumerManager): registered by heartbeats, dropped on
 * unregister, connection close or heartbeat expiry. Membership changes are reported through
 * `onGroupChanged` so the broker can notify the group.
 */
export class ConsumerManager {
  private readonly groups = new Map<string, ConsumerGroupInfo>();
  private readonly logger: Logger;
  private readonly onGroupChanged: (group: string) => void;

  constructor(logger: Logger, onGroupChanged: (group: string) => void) {
    this.logger = logger;
    this.onGroupChanged = onGroupChanged;
  }

  /** Registers one consumer of a heartbeat; returns true when the group's membership changed. */
  register(data: ConsumerData, channel: ClientChannel): boolean {
    let info = this.groups.get(data.groupName);
    if (!info) {
      info = {
        groupName: data.groupName,
        consumeType: data.consumeType,
        messageModel: data.messageModel,
        consumeFromWhere: data.consumeFromWhere,
        channels: new Map(),
        subscriptions: new Map(),
        lastUpdate: channel.lastUpdate,
      };
      this.groups.set(data.groupName, info);
    }
    info.consumeType = data.consumeType;
    info.messageModel = data.messageModel;
    info.consumeFromWhere = data.consumeFromWhere;
    info.lastUpdate = channel.lastUpdate;
    const prev = info.channels.get(channel.connection);
    info.channels.set(channel.connection, channel);
    for (const sub of data.subscriptionDataSet ?? []) info.subscriptions.set(sub.topic, sub);
    const isNew = !prev || prev.clientId !== channel.clientId;
    if (isNew) {
      this.logger.info(
        { group: data.groupName, clientId: channel.clientId },
        'Consumer registered',
      );
      this.onGroupChanged(data.groupName);
      channel.connection.onClosed(() =>
        this.removeConnection(channel.connection, 'connection closed'),
      );
    }
    return isNew;
  }

  unregister(group: string, clientId: string): void {
    const info = this.groups.get(group);
    if (!info) return;
    for (const [conn, ch] of info.channels) {
      if (ch.clientId === clientId) {
        info.channels.delete(conn);
        this.logger.info({ group, clientId }, 'Consumer unregistered');
        this.afterRemoval(group, info);
      }
    }
  }

  private removeConnection(connection: ClientConnection, reason: string): void {
    for (const [group, info] of this.groups) {
      const ch = info.channels.get(connection);
      if (!ch) continue;
      info.channels.delete(connection);
      this.logger.info({ group, clientId: ch.clientId, reason }, 'Consumer removed');
      this.afterRemoval(group, info);
    }
  }

  private afterRemoval(group: string, info: ConsumerGroupInfo): void {
    if (info.channels.size === 0) this.groups.delete(group);
    this.onGroupChanged(group);
  }

  /** Drops consumers whose last heartbeat is older than `timeoutMs`. */
  scanExpired(timeoutMs: number, now = Date.now()): void {
    for (const [group, info] of [...this.groups]) {
      for (const [conn, ch] of [...info.channels]) {
        if (ch.lastUpdate + timeoutMs < now) {
          info.channels.delete(conn);
          this.logger.info({ group, clientId: ch.clientId }, 'Consumer expired');
          conn.close();
          this.afterRemoval(group, info);
        }
      }
    }
  }

  get(group: string): ConsumerGroupInfo | undefined {
    return this.groups.get(group);
  }

  /**
   * The ids a Remoting consumer divides the group's queues among. gRPC consumers are left out:
   * they consume message by message (POP) and take no queue, so counting them would starve queues.
   */
  clientIds(group: string): string[] {
    const info = this.groups.get(group);
    if (!info) return [];
    const remoting = [...info.channels.values()].filter(
      (c) => c.connection.protocol === 'remoting',
    );
    return [...new Set(remoting.map((c) => c.clientId))];
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }
}
