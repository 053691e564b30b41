// The services as the front ends compose them (composeServices), against the harness's engine, with
// the settings a test does not care about at plain values: no history file, records in the file, the
// registry transport. A test names what it does care about.
import { composeServices, type AppOptions, type AppServices } from '../../src/app/services';
import { silentLogger } from '../../src/core/log';
import type { TestServices } from './services';

export function testAppServices(svc: Pick<TestServices, 'dockerHost'>, options: Partial<AppOptions> = {}): AppServices {
  return composeServices({
    log: silentLogger,
    dockerHost: () => svc.dockerHost,
    insecureRegistries: () => [],
    lookupTimeoutMs: () => 10_000,
    transport: () => 'registry',
    historyFile: () => undefined,
    records: () => 'file',
    warn: () => undefined,
    ...options,
  });
}
