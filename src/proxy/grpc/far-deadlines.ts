import type { Server } from '@grpc/grpc-js';

/** The longest delay a Node timer takes (2^31 - 1 ms, ~24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};

/** A `grpc-timeout` header value (1-8 digits and a unit) in ms, or undefined when malformed. */
export function grpcTimeoutMs(value: string): number | undefined {
  const m = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0) : undefined;
}

type StreamHandler = (extra: unknown, stream: unknown, headers: Record<string, unknown>) => void;

/**
 * grpc-js arms a server call's deadline with one timer of `timeout | 0` ms, so a deadline past
 * ~24.8 days wraps around and ends the call at once with DEADLINE_EXCEEDED. RocketMQ's Java
 * client opens Telemetry with a 60-year deadline, which would die on arrival and fail the
 * client's startup. Such a deadline is no deadline at all for a server: the header is dropped
 * before grpc-js reads it. grpc-js offers no hook ahead of its header parsing, so this wraps the
 * server's stream handlers (both, as channelz picks one); it throws when they are gone, so a
 * grpc-js upgrade that renames them fails loudly rather than bringing the bug back.
 */
export function ignoreFarDeadlines(server: Server): void {
  const handlers = server as unknown as Record<string, StreamHandler | undefined>;
  const names = ['_streamHandler', '_channelzHandler'];
  for (const name of names) {
    const original = handlers[name];
    if (typeof original !== 'function')
      throw new Error(`grpc-js Server has no ${name}: far deadlines cannot be guarded`);
    handlers[name] = function (this: unknown, extra, stream, headers) {
      const timeout = headers['grpc-timeout'];
      if (typeof timeout === 'string' && (grpcTimeoutMs(timeout) ?? 0) > MAX_TIMER_MS)
        delete headers['grpc-timeout'];
      original.call(this, extra, stream, headers);
    };
  }
}
