// What the runtime tests share: the runtime services over the harness's real engine, and a promotion
// of development into staging with them, as the front ends compose it.
import type { EnvironmentConfig, PromotionConfig } from '../../src/config/types';
import { connectDockerode } from '../../src/engine/dockerodeEngine';
import type { ContainerEngine } from '../../src/engine/engine';
import { parseHost } from '../../src/engine/engineAddress';
import { promote } from '../../src/promotion/promote';
import type { PromotionOutcome } from '../../src/promotion/promotionTypes';
import type { SnapshotServices } from '../../src/model/snapshot';
import { readRunning } from '../../src/runtime/running';
import { runtimeServices, type RuntimeServices } from '../../src/runtime/runtimeServices';
import type { TestServices } from '../harness';
import { env, environmentFor, makeCore, ScriptedPrompts, type Core } from './support';

export function withRuntime(core: Core, svc: TestServices, engine: () => Promise<ContainerEngine>): RuntimeServices {
  return runtimeServices({ engineAt: engine, hostLabel: () => svc.dockerHost, credentials: core.services.credentials, settleMs: 700 });
}

/** Promotes what development holds into staging, `runs:` and `deploy:` on the harness's real engine. */
export function promoteIntoStaging(svc: TestServices, cfg: PromotionConfig): Promise<PromotionOutcome> {
  const core = makeCore(svc);
  const runtime = withRuntime(core, svc, () => connectDockerode(parseHost(svc.dockerHost, 'test')));
  return promote(
    { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
    { ...core.services, runtime },
    environmentFor(new ScriptedPrompts()),
  );
}

/** The snapshot's services with `runs:` read on the harness's real engine, as a refresh reads them. */
export function snapshotServicesWithRuntime(svc: TestServices): SnapshotServices & { readonly runtime: RuntimeServices } {
  const core = makeCore(svc);
  const runtime = withRuntime(core, svc, () => connectDockerode(parseHost(svc.dockerHost, 'test')));
  return {
    ...core.snapshotServices,
    runtime,
    readRunning: (e: EnvironmentConfig, s?: AbortSignal) => (runtime.reader(e) ? readRunning(runtime.reader(e)!, s) : Promise.resolve(undefined)),
  };
}
