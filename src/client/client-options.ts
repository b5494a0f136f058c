import type { Logger } from 'pino';

/** Options of a client instance (shared by its producers and consumers). */
export interface ClientOptions {
  /** Name servers, "host:port;host:port". */
  namesrvAddr: string;
  /**
   * Distinguishes client instances of one process: the client id is `<ip>@<instanceName>`.
   * @defaultValue the process id
   */
  instanceName?: string;
  /** @defaultValue the first non-internal IPv4 address */
  clientIP?: string;
  /**
   * Route refresh period.
   * @defaultValue 30000
   */
  pollNameServerInterval?: number;
  /**
   * Heartbeat period to every broker.
   * @defaultValue 30000
   */
  heartbeatBrokerInterval?: number;
  /**
   * Timeout of one request to a server.
   * @defaultValue 3000
   */
  requestTimeoutMs?: number;
  /** Optional pino logger; silent by default. */
  logger?: Logger;
}
