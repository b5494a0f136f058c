import { credentials, makeGenericClientConstructor, Metadata, type Client } from '@grpc/grpc-js';
import { messagingServiceDefinition } from '../../src/proxy/grpc/proto-definition.ts';

export type Unary = (
  req: unknown,
  md: Metadata,
  cb: (err: Error | null, res: Record<string, unknown>) => void,
) => void;

/** A raw MessagingService client (no SDK rules in the way), for what the official client never sends. */
export function rawClient(endpoint: string): Client & Record<string, Unary> {
  const Ctor = makeGenericClientConstructor(messagingServiceDefinition(), 'MessagingService');
  return new Ctor(endpoint, credentials.createInsecure()) as unknown as Client &
    Record<string, Unary>;
}

export function call(
  client: Record<string, Unary>,
  rpc: string,
  req: unknown,
  clientId = 'raw-client',
): Promise<Record<string, unknown>> {
  const md = new Metadata();
  if (clientId) md.set('x-mq-client-id', clientId);
  return new Promise((resolve, reject) => {
    (client[rpc] as Unary).call(client, req, md, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
