import { MQClientError } from './client-errors.ts';

/** Settles with `p`, or rejects with ABORTED as soon as `signal` aborts (the work itself goes on). */
export function abortable<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (!signal) return p;
  return new Promise((resolve, reject) => {
    const onAbort = (): void =>
      reject(new MQClientError('ABORTED', `${what} was aborted`, { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
