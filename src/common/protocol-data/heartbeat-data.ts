/** SubscriptionData as clients send it in heartbeats. */
export interface SubscriptionData {
  topic: string;
  subString: string;
  tagsSet?: string[];
  codeSet?: number[];
  subVersion?: number;
  expressionType?: string;
  classFilterMode?: boolean;
}

export interface ConsumerData {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptionDataSet: SubscriptionData[];
  unitMode?: boolean;
}

/** HEART_BEAT body. */
export interface HeartbeatData {
  clientID: string;
  producerDataSet?: { groupName: string }[];
  consumerDataSet?: ConsumerData[];
}

/** Splits "TagA || TagB" into tags; "*" or empty means every tag. */
export function parseTagExpression(expression: string | undefined): string[] | undefined {
  const text = (expression ?? '').trim();
  if (text === '' || text === '*') return undefined;
  return text
    .split('||')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
