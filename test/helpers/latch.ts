/** A countdown latch that is a promise and fails loudly after a timeout. */
export interface Latch {
  countDown(): void;
  readonly count: number;
  readonly done: Promise<void>;
}

export function latch(count: number, timeoutMs: number, what = 'latch'): Latch {
  let remaining = count;
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(
    () =>
      reject(new Error(`${what}: ${remaining} of ${count} still missing after ${timeoutMs} ms`)),
    timeoutMs,
  );
  const settle = (): void => {
    clearTimeout(timer);
    resolve();
  };
  if (remaining <= 0) settle();
  return {
    countDown() {
      remaining--;
      if (remaining === 0) settle();
    },
    get count() {
      return remaining;
    },
    done,
  };
}
