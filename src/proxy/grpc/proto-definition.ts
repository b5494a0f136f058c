import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * `apache.rocketmq.v2.MessagingService`, loaded from the `.proto` files that ship inside the
 * official `rocketmq-client-nodejs` package (unmodified). Fields are camelCase, int64 as number
 * (offsets and times stay below 2^53), enums as their names, proto3 `optional` fields carry a
 * synthetic oneof so presence can be told from a default.
 */
export function messagingServiceDefinition(): ServiceDefinition {
  const require = createRequire(import.meta.url);
  const protoRoot = join(dirname(require.resolve('rocketmq-client-nodejs/package.json')), 'proto');
  const definition = loadSync('apache/rocketmq/v2/service.proto', {
    includeDirs: [protoRoot],
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const root = loadPackageDefinition(definition) as unknown as {
    apache: { rocketmq: { v2: { MessagingService: { service: ServiceDefinition } } } };
  };
  return root.apache.rocketmq.v2.MessagingService.service;
}
