// Loaded into every test file's process (run-tests.mjs): a test still running after
// RMQ_TEST_TIMEOUT_MS (120 s) is named on stderr and its file's process ends with exit code 1, so
// a hang fails that test by name instead of holding CI. node:test's --test-timeout bounds the
// whole file as well (a leaked handle), but names only the file.
import { afterEach, beforeEach } from 'node:test';

const limitMs = Number(process.env.RMQ_TEST_TIMEOUT_MS ?? 120_000);
const timers = new Map();

beforeEach((t) => {
  const timer = setTimeout(() => {
    process.stderr.write(
      `\nTest "${t.name}" (${process.argv[1]}) did not finish within ${limitMs} ms; stopping its file\n`,
    );
    process.exit(1);
  }, limitMs);
  timer.unref();
  timers.set(t, timer);
});

afterEach((t) => {
  clearTimeout(timers.get(t));
  timers.delete(t);
});
