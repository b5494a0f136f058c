/** RocketMQ's topic rules (TopicValidator). */
export const TOPIC_MAX_LENGTH = 127;
const VALID_CHARS = /^[%|a-zA-Z0-9_-]+$/;

export const SystemTopic = {
  AUTO_CREATE_TOPIC_KEY: 'TBW102',
  SCHEDULE_TOPIC: 'SCHEDULE_TOPIC_XXXX',
  TRANS_HALF: 'RMQ_SYS_TRANS_HALF_TOPIC',
  TRANS_OP_HALF: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  TRANS_CHECK_MAX_TIME: 'TRANS_CHECK_MAX_TIME_TOPIC',
  SELF_TEST: 'SELF_TEST_TOPIC',
  OFFSET_MOVED_EVENT: 'OFFSET_MOVED_EVENT',
  TIMER: 'rmq_sys_wheel_timer',
} as const;

export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';

const NOT_ALLOWED_SEND = new Set<string>(Object.values(SystemTopic));

/** Why a topic name is illegal, or undefined when it is fine. */
export function checkTopicName(topic: string): string | undefined {
  if (topic.length === 0) return 'the topic is empty';
  if (topic.length > TOPIC_MAX_LENGTH)
    return `the topic "${topic.slice(0, 32)}..." is ${topic.length} characters, above ${TOPIC_MAX_LENGTH}`;
  if (!VALID_CHARS.test(topic))
    return `the topic "${topic}" has characters outside [%|a-zA-Z0-9_-]`;
  return undefined;
}

/** Whether clients may send to this topic (system topics are written by the broker only). */
export function isNotAllowedSendTopic(topic: string): boolean {
  return NOT_ALLOWED_SEND.has(topic) || topic.startsWith('rmq_sys_');
}

export const retryTopic = (group: string): string => RETRY_GROUP_TOPIC_PREFIX + group;
export const dlqTopic = (group: string): string => DLQ_GROUP_TOPIC_PREFIX + group;
