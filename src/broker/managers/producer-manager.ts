import type { ClientConnection } from './client-connection.ts';
import type { ClientChannel } from './consumer-manager.ts';

/** Live producers per group, for connection lists and (later) transaction check-backs. */
export class ProducerManager {
  private readonly groups = new Map<string, Map<ClientConnection, ClientChannel>>();

  register(group: string, channel: ClientChannel): void {
    let channels = this.groups.get(group);
    if (!channels) {
      channels = new Map();
      this.groups.set(group, channels);
    }
    const isNew = !channels.has(channel.connection);
    channels.set(channel.connection, channel);
    if (isNew) {
      channel.connection.onClosed(() => {
        const current = this.groups.get(group);
        current?.delete(channel.connection);
        if (current?.size === 0) this.groups.delete(group);
      });
    }
  }

  unregister(group: string, clientId: string): void {
    const channels = this.groups.get(group);
    if (!channels) return;
    for (const [conn, ch] of channels) if (ch.clientId === clientId) channels.delete(conn);
    if (channels.size === 0) this.groups.delete(group);
  }

  scanExpired(timeoutMs: number, now = Date.now()): void {
    for (const [group, channels] of this.groups) {
      for (const [conn, ch] of channels) if (ch.lastUpdate + timeoutMs < now) channels.delete(conn);
      if (channels.size === 0) this.groups.delete(group);
    }
  }

  /** The live channel of a producer client, in whichever group (request/reply finds requesters so). */
  findChannel(clientId: string): ClientChannel | undefined {
    for (const channels of this.groups.values())
      for (const ch of channels.values()) if (ch.clientId === clientId) return ch;
    return undefined;
  }

  channels(group: string): ClientChannel[] {
    return [...(this.groups.get(group)?.values() ?? [])];
  }
}
