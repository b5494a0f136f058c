import type { TopicConfig } from '../../common/protocol-data/route-data.ts';
import { fail, OperationStatus, type Outcome } from './outcome.ts';

/** The message types a topic's message.type attribute names (RocketMQ 5's TopicMessageType). */
export const MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A message group is shorter than this many UTF-8 bytes (RocketMQ's proxy limit). */
export const MAX_MESSAGE_GROUP_BYTES = 64;
/** User properties, keys and values together, are at most this many UTF-8 bytes. */
export const MAX_USER_PROPERTIES_BYTES = 16 * 1024;

/**
 * What a client says about its message when its protocol lets it declare the kind outright
 * (gRPC's system properties). A Remoting send declares nothing: its kind follows from its
 * properties alone, as on RocketMQ's broker.
 */
export interface DeclaredKind {
  type: MessageType;
  /** FIFO's message group (sharding key). */
  group: string | undefined;
  /** Epoch ms a DELAY message is due, 0 when none was given. */
  deliverMs: number;
  tag: string | undefined;
  /** UTF-8 bytes of the user properties' keys and values. */
  userPropertyBytes: number;
}

/** The types a topic accepts: its message.type, all of them for MIXED, NORMAL when unset. */
export function acceptedTypes(tc: TopicConfig): MessageType[] {
  const type = tc.attributes['message.type'];
  if (type === 'MIXED') return [...MESSAGE_TYPES];
  if (type && (MESSAGE_TYPES as readonly string[]).includes(type)) return [type as MessageType];
  return ['NORMAL'];
}

const conflict = (remark: string): Outcome => fail(OperationStatus.MESSAGE_TYPE_CONFLICT, remark);

/**
 * A declared kind against its topic and against the properties each type needs or forbids, as
 * RocketMQ's proxy checks them; undefined when the message may be sent.
 */
export function checkDeclaredKind(
  k: DeclaredKind,
  tc: TopicConfig,
  timerMaxDelaySec: number,
): Outcome | undefined {
  const accepted = acceptedTypes(tc);
  if (!accepted.includes(k.type))
    return conflict(
      `topic ${tc.topicName} accepts ${accepted.join('/')} messages, not ${k.type} (its message.type attribute)`,
    );
  if (k.type === 'FIFO' && !k.group) return conflict('a FIFO message needs a message group');
  if (k.type === 'DELAY' && !k.deliverMs)
    return conflict('a DELAY message needs a delivery timestamp');
  if (k.type !== 'FIFO' && k.group)
    return conflict(`a ${k.type} message cannot have a message group`);
  if (k.group && Buffer.byteLength(k.group) >= MAX_MESSAGE_GROUP_BYTES)
    return fail(
      OperationStatus.ILLEGAL_MESSAGE_GROUP,
      `the message group is ${MAX_MESSAGE_GROUP_BYTES} bytes or longer`,
    );
  const tag = k.tag;
  if (tag !== undefined && (tag.trim() === '' || tag.includes('|') || hasControlCharacter(tag)))
    return fail(
      OperationStatus.ILLEGAL_MESSAGE_TAG,
      `the tag "${tag}" is blank or has "|" or control characters`,
    );
  if (k.deliverMs - Date.now() > timerMaxDelaySec * 1000)
    return fail(
      OperationStatus.ILLEGAL_DELIVERY_TIME,
      `the delivery time is more than timerMaxDelaySec ${timerMaxDelaySec} s ahead`,
    );
  if (k.userPropertyBytes > MAX_USER_PROPERTIES_BYTES)
    return fail(
      OperationStatus.MESSAGE_PROPERTIES_TOO_LARGE,
      `user properties are ${k.userPropertyBytes} bytes, above ${MAX_USER_PROPERTIES_BYTES}`,
    );
  return undefined;
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}
