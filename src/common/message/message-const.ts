/** Property names with RocketMQ's spellings (MessageConst). */
export const MessageConst = {
  PROPERTY_KEYS: 'KEYS',
  PROPERTY_TAGS: 'TAGS',
  PROPERTY_WAIT_STORE_MSG_OK: 'WAIT',
  PROPERTY_DELAY_TIME_LEVEL: 'DELAY',
  PROPERTY_RETRY_TOPIC: 'RETRY_TOPIC',
  PROPERTY_REAL_TOPIC: 'REAL_TOPIC',
  PROPERTY_REAL_QUEUE_ID: 'REAL_QID',
  PROPERTY_TRANSACTION_PREPARED: 'TRAN_MSG',
  PROPERTY_PRODUCER_GROUP: 'PGROUP',
  PROPERTY_MIN_OFFSET: 'MIN_OFFSET',
  PROPERTY_MAX_OFFSET: 'MAX_OFFSET',
  PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX: 'UNIQ_KEY',
  PROPERTY_ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  PROPERTY_RECONSUME_TIME: 'RECONSUME_TIME',
  PROPERTY_MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  PROPERTY_SHARDING_KEY: '__SHARDINGKEY',
  PROPERTY_TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  PROPERTY_TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  PROPERTY_TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  /** Set by the broker: the absolute due time of a timer message, in ms. */
  PROPERTY_TIMER_OUT_MS: 'TIMER_OUT_MS',
  /** Set by the broker on every message: its cluster (a reply goes to <cluster>_REPLY_TOPIC). */
  PROPERTY_CLUSTER: 'CLUSTER',
  /** Set by the broker on every message: its region, which trace records carry. */
  PROPERTY_MSG_REGION: 'MSG_REGION',
  /** Set by the broker on every message: whether clients trace it ("false" turns tracing off). */
  PROPERTY_TRACE_SWITCH: 'TRACE_ON',
  /** Request/reply: the request's id, which its reply carries back. */
  PROPERTY_CORRELATION_ID: 'CORRELATION_ID',
  /** Request/reply: the requesting client's id, where the broker pushes the reply. */
  PROPERTY_MESSAGE_REPLY_TO_CLIENT: 'REPLY_TO_CLIENT',
  /** Request/reply: when the broker pushed the reply. */
  PROPERTY_PUSH_REPLY_TIME: 'ARRIVE_TIME',
  /** Set by the gRPC endpoint, as RocketMQ's proxy: the v2 born_host the producer sent. */
  PROPERTY_BORN_HOST: '__BORNHOST',
  KEY_SEPARATOR: ' ',
} as const;

/** Separates a property name from its value. */
export const NAME_VALUE_SEPARATOR = '\u0001';
/** Ends each name/value pair. */
export const PROPERTY_SEPARATOR = '\u0002';
