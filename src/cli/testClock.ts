// A test hook: IMAGE_PROMOTION_TEST_NOW=<ISO 8601 instant> starts the CLI's clock at that instant (it
// runs on from there), so tests of time-based gates (window, soak) can stand at a chosen moment.
// Nothing outside tests should set it.
import { CliError, EXIT } from './exitCodes';

export const TEST_CLOCK_VARIABLE = 'IMAGE_PROMOTION_TEST_NOW';

/** Undefined: the real clock. */
export function testClock(env: NodeJS.ProcessEnv = process.env): (() => number) | undefined {
  const value = env[TEST_CLOCK_VARIABLE];
  if (value === undefined || value === '') return undefined;
  const start = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || !Number.isFinite(start))
    throw new CliError(`${TEST_CLOCK_VARIABLE} (a test hook) must be an ISO 8601 instant such as 2026-12-07T10:00:00Z, not "${value}".`, EXIT.usage);
  const started = Date.now();
  return () => start + (Date.now() - started);
}
