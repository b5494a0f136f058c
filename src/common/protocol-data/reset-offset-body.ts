/** A queue and the offset it was reset to. */
export interface QueueOffset {
  messageQueue: { topic: string; brokerName: string; queueId: number };
  offset: number;
}

/**
 * ResetOffsetBody (RESET_CONSUMER_CLIENT_OFFSET and the INVOKE_BROKER_TO_RESET_OFFSET answer).
 * RocketMQ's is a `Map<MessageQueue, Long>` that fastjson writes with object keys, which is not
 * JSON; like our other bodies keyed by MessageQueue it is a list of {messageQueue, offset} here.
 */
export function encodeResetOffsetBody(offsetTable: readonly QueueOffset[]): Buffer {
  return Buffer.from(JSON.stringify({ offsetTable }), 'utf8');
}

// fastjson's form, keys sorted: {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:5}}
const FASTJSON_ENTRY =
  /\{"brokerName":"((?:[^"\\]|\\.)*)","queueId":(\d+),"topic":"((?:[^"\\]|\\.)*)"\}:(-?\d+)/g;

/** Decodes our list form, or the fastjson form a Java broker sends; throws on anything else. */
export function decodeResetOffsetBody(body: Buffer | undefined): QueueOffset[] {
  const text = body?.toString('utf8') ?? '';
  if (text === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const out: QueueOffset[] = [];
    for (const m of text.matchAll(FASTJSON_ENTRY)) {
      const [, brokerName = '', queueId = '0', topic = '', offset = '0'] = m;
      out.push({
        messageQueue: {
          topic: JSON.parse(`"${topic}"`) as string,
          brokerName: JSON.parse(`"${brokerName}"`) as string,
          queueId: Number(queueId),
        },
        offset: Number(offset),
      });
    }
    if (out.length === 0)
      throw new Error(`Cannot parse the reset offset body: ${text.slice(0, 200)}`);
    return out;
  }
  const table = (parsed as { offsetTable?: unknown } | null)?.offsetTable;
  if (table === undefined) return [];
  if (!Array.isArray(table))
    throw new Error(`The reset offset body's offsetTable is not a list: ${text.slice(0, 200)}`);
  return table as QueueOffset[];
}
