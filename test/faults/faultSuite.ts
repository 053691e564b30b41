// A fault suite's set-up, written once: the harness's services before its tests, and whatever a test
// started (registries, fault proxies, servers) stopped after it, whether it passed or not.
import { sharedServices, startRegistry, type Registry, type TestServices } from '../harness';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy';

export interface FaultSuite {
  /** Set once the suite's `before` ran. */
  readonly svc: TestServices;
  /** Stopped after each test. */
  readonly open: Array<{ stop(): Promise<void> }>;
  /** A registry of the test's own with a fault proxy in front of it (both stopped after the test). */
  registryBehindProxy(): Promise<{ registry: Registry; proxy: FaultProxy }>;
}

export function faultSuite(): FaultSuite {
  let svc: TestServices | undefined;
  const open: Array<{ stop(): Promise<void> }> = [];
  before(async () => {
    svc = await sharedServices();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.stop()));
  });
  return {
    get svc(): TestServices {
      if (!svc) throw new Error('the harness services are not up yet (use them inside tests and hooks)');
      return svc;
    },
    open,
    async registryBehindProxy() {
      const registry = await startRegistry();
      open.push(registry);
      const proxy = await startFaultProxy({ upstream: { port: registry.port } });
      open.push(proxy);
      return { registry, proxy };
    },
  };
}
