import type { ConsumerRunningInfo } from '../../../admin/group-queries.ts';
import { javaObject, keyValueLines, queueText, table } from './format.ts';

const fixed = (n: number | undefined): string => (n ?? 0).toFixed(2);

/** ConsumerRunningInfo's report, section by section, as mqadmin consumerStatus -i prints it. */
export function formatRunningInfo(info: ConsumerRunningInfo): string {
  const sections = [
    `#Consumer Properties#\n${keyValueLines(Object.entries(info.properties), 40)}`,
    `#Consumer Subscription#\n${info.subscriptions
      .map(
        (s, i) =>
          `${String(i + 1).padStart(3, '0')} Topic: ${s.topic.padEnd(40)} ClassFilter: ${String(s.classFilterMode ?? false).padEnd(8)} SubExpression: ${s.subString}`,
      )
      .join('\n')}`,
    `#Consumer Offset#\n${table([
      ['#Topic', '#Broker Name', '#QID', '#Consumer Offset'],
      ...info.queues.map(([q, pq]) => [
        q.topic,
        q.brokerName,
        q.queueId,
        typeof pq.commitOffset === 'number' ? pq.commitOffset : '',
      ]),
    ])}`,
    `#Consumer MQ Detail#\n${table([
      ['#Topic', '#Broker Name', '#QID', '#ProcessQueueInfo'],
      ...info.queues.map(([q, pq]) => [
        q.topic,
        q.brokerName,
        q.queueId,
        javaObject('ProcessQueueInfo', pq),
      ]),
    ])}`,
    `#Consumer Pop Detail#\n${table([
      ['#Topic', '#Broker Name', '#QID', '#ProcessQueueInfo'],
      ...info.popQueues.map(([q, pq]) => [
        q.topic,
        q.brokerName,
        q.queueId,
        javaObject('PopProcessQueueInfo', pq),
      ]),
    ])}`,
    `#Consumer RT&TPS#\n${table([
      [
        '#Topic',
        '#Pull RT',
        '#Pull TPS',
        '#Consume RT',
        '#ConsumeOK TPS',
        '#ConsumeFailed TPS',
        '#ConsumeFailedMsgsInHour',
      ],
      ...Object.entries(info.statusTable).map(([topic, s]) => [
        topic,
        fixed(s.pullRT),
        fixed(s.pullTPS),
        fixed(s.consumeRT),
        fixed(s.consumeOKTPS),
        fixed(s.consumeFailedTPS),
        s.consumeFailedMsgs ?? 0,
      ]),
    ])}`,
  ];
  if (info.userConsumerInfo)
    sections.push(
      `#User Consume Info#\n${keyValueLines(Object.entries(info.userConsumerInfo), 40)}`,
    );
  if (info.jstack) sections.push(`#Consumer jstack#\n${info.jstack}`);
  return sections.join('\n\n\n');
}

const subscriptionKey = (info: ConsumerRunningInfo): string =>
  info.subscriptions
    .map((s) => `${s.topic}\u0000${s.subString}`)
    .sort()
    .join('\u0001');

/**
 * What mqadmin consumerStatus concludes over a group's members: the same subscriptions in all,
 * each queue held by one member only, and the queues a push consumer has stopped consuming.
 */
export function analyzeGroup(
  infos: ReadonlyMap<string, ConsumerRunningInfo>,
  now = Date.now(),
): string {
  const all = [...infos.values()];
  if (all.length === 0) return '';
  const first = all[0] as ConsumerRunningInfo;
  if (!all.every((i) => subscriptionKey(i) === subscriptionKey(first)))
    return 'WARN: Different subscription in the same group of consumer!!!';
  const holders = new Map<string, number>();
  for (const info of all)
    for (const [q] of info.queues) holders.set(queueText(q), (holders.get(queueText(q)) ?? 0) + 1);
  const rebalanced = [...holders.values()].every((n) => n === 1);
  const lines = [
    'Same subscription in the same group of consumer',
    '',
    `Rebalance ${rebalanced ? 'OK' : 'Failed'}`,
  ];
  for (const [clientId, info] of infos) {
    if (info.properties.PROP_CONSUME_TYPE !== 'CONSUME_PASSIVELY') continue;
    for (const [q, pq] of info.queues) {
      const idle = now - Number(pq.lastConsumeTimestamp ?? now);
      if (
        info.properties.PROP_CONSUME_ORDERLY !== 'true' &&
        idle > 60_000 &&
        Number(pq.cachedMsgCount ?? 0) > 0
      )
        lines.push(
          `${clientId} ${queueText(q)} can't consume for a while, maybe blocked, ${idle}ms`,
        );
    }
  }
  return lines.join('\n');
}
