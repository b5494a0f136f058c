import { createRequest } from '../../remoting/protocol/remoting-command.ts';
import { RequestCode } from '../../remoting/protocol/request-code.ts';
import type { ClientInstance } from '../client-instance.ts';
import type { TopicRouteInfo } from '../route/topic-route-cache.ts';

/** The group's live client ids, as a broker of the topic's route knows them (GET_CONSUMER_LIST_BY_GROUP). */
export async function fetchConsumerIds(
  client: ClientInstance,
  route: TopicRouteInfo,
  group: string,
): Promise<string[] | undefined> {
  const addr = [...route.masters.values()][0];
  if (!addr) return undefined;
  const res = await client.call(
    addr,
    'Consumer list',
    createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, 0, { consumerGroup: group }),
  );
  return (
    (JSON.parse(res.body?.toString('utf8') ?? '{}') as { consumerIdList?: string[] })
      .consumerIdList ?? []
  );
}
