/**
 * The handle a DELAY (timer) message's send answers with, for RecallMessage: RocketMQ's
 * "v1 topic brokerName deliverMs messageId", base64url-encoded, so the broker that stored the
 * message can be found from the handle alone.
 */
export interface RecallHandle {
  topic: string;
  brokerName: string;
  deliverMs: number;
  messageId: string;
}

export function encodeRecallHandle(h: RecallHandle): string {
  return Buffer.from(`v1 ${h.topic} ${h.brokerName} ${h.deliverMs} ${h.messageId}`).toString(
    'base64url',
  );
}

/** The handle's fields, or undefined when it is not a v1 handle. */
export function parseRecallHandle(handle: string): RecallHandle | undefined {
  const f = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
  if (f.length !== 5 || f[0] !== 'v1') return undefined;
  const deliverMs = Number(f[3]);
  if (!Number.isSafeInteger(deliverMs)) return undefined;
  return { topic: f[1] ?? '', brokerName: f[2] ?? '', deliverMs, messageId: f[4] ?? '' };
}
