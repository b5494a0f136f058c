/** rocketmq-ts: the SDK is at `rocketmq-ts/client`; servers are started with the `rmq` command. */
export * from './client/index.ts';
