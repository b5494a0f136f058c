import { mapEntries, parseJavaJson, stringifyJavaJson } from './java-json.ts';

/** A queue and the offset it was reset to. */
export interface QueueOffset {
  messageQueue: { topic: string; brokerName: string; queueId: number };
  offset: number;
}

/** A MessageQueue as Java writes it (fields in fastjson's sorted order). */
export const messageQueueKey = (q: QueueOffset['messageQueue']) => ({
  brokerName: q.brokerName,
  queueId: q.queueId,
  topic: q.topic,
});

/**
 * ResetOffsetBody (RESET_CONSUMER_CLIENT_OFFSET and the INVOKE_BROKER_TO_RESET_OFFSET answer):
 * RocketMQ's `Map<MessageQueue, Long>`, written as fastjson does, with the queues as keys.
 */
export function encodeResetOffsetBody(offsetTable: readonly QueueOffset[]): Buffer {
  const table = new Map(offsetTable.map((e) => [messageQueueKey(e.messageQueue), e.offset]));
  return Buffer.from(stringifyJavaJson({ offsetTable: table }), 'utf8');
}

/** Decodes the fastjson form, or the list form earlier versions of ours sent; throws on anything else. */
export function decodeResetOffsetBody(body: Buffer | undefined): QueueOffset[] {
  const text = body?.toString('utf8') ?? '';
  if (text === '') return [];
  let parsed: unknown;
  try {
    parsed = parseJavaJson(text);
  } catch (err) {
    throw new Error(`Cannot parse the reset offset body: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const table = (parsed as { offsetTable?: unknown } | null)?.offsetTable;
  if (table === undefined) return [];
  if (Array.isArray(table)) return table as QueueOffset[];
  if (table === null || typeof table !== 'object')
    throw new Error(`The reset offset body's offsetTable is not a map: ${text.slice(0, 200)}`);
  return mapEntries(table).map(([k, v]) => {
    const q = k as Partial<QueueOffset['messageQueue']>;
    return {
      messageQueue: {
        topic: String(q.topic ?? ''),
        brokerName: String(q.brokerName ?? ''),
        queueId: Number(q.queueId ?? 0),
      },
      offset: Number(v),
    };
  });
}
