import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const RUNNER = new URL('../../../scripts/run-tests.mjs', import.meta.url).pathname;
const HANGING = new URL('../../fixtures/hanging-test', import.meta.url).pathname;

test('the test runner stops a hanging test by name and fails', async () => {
  // Without NODE_TEST_CONTEXT: the runner must not take itself for a file of this test run.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [RUNNER, HANGING], {
    env: { ...env, RMQ_TEST_TIMEOUT_MS: '1500' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(guard);
  assert.equal(code, 1, output);
  assert.match(output, /ok 1 - a test that finishes/);
  assert.match(
    output,
    /Test "a test that never finishes" \(.*hangs\.test\.ts\) did not finish within 1500 ms/,
  );
});
