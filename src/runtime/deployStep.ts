// The step after the move, inside verification: redeploy the environment, then wait until what runs
// is the promoted digest everywhere, within `deploy.within`. Its result reads as a verify gate's, so a
// redeploy that never lands fails the promotion as a failed verification does.
import type { EnvironmentConfig } from '../config/types';
import { failed, passed, type GateContext, type GateResult } from '../gates/gate';
import { untrustedReason } from '../gates/trust';
import { awaitRollout, type RolloutClock } from './rollout';
import type { RuntimeServices } from './runtimeServices';

export const DEPLOY_UNTRUSTED_REASON = untrustedReason('redeploys run');

export interface DeployStepInput {
  readonly target: EnvironmentConfig;
  readonly digest: string;
  readonly context: GateContext;
  readonly runtime: RuntimeServices;
  readonly clock: RolloutClock;
  readonly pause: (attempt: number, leftMs: number) => number;
  readonly progress: (message: string) => void;
}

export async function redeployAndWait(input: DeployStepInput): Promise<GateResult> {
  const { target, context, clock } = input;
  const started = clock.now();
  const redeployer = input.runtime.redeployer(target);
  // A release: the workload runs every image; each instance must run its image's promoted digest.
  const release = context.components;
  const reader = input.runtime.reader(
    target,
    release?.map((c) => c.repository),
  );
  const name = `redeploy (${redeployer?.what ?? 'none'})`;
  if (!redeployer || !reader || !target.deploy) return failed(name, 'deploy', 'deploy needs runs to know when the redeploy landed');
  // It changes what runs elsewhere: as command gates, only where the person trusts the config.
  if (!context.trusted) return failed(name, 'deploy', DEPLOY_UNTRUSTED_REASON);
  context.log.info(`redeploying ${target.name}: ${redeployer.what}`);
  const done = await redeployer.redeploy({ digest: input.digest, repository: target.repository, context, progress: input.progress });
  if (!done.ok) return failed(name, 'deploy', done.says, clock.now() - started, done.details);
  context.log.info(`redeploy of ${target.name}: ${done.says}`);
  const left = Math.max(0, target.deploy.withinMs - (clock.now() - started));
  const promoted = release ? release.map((c) => c.digest) : input.digest;
  const rollout = await awaitRollout(reader, promoted, left, target.deploy.within, clock, input.pause, context.signal, input.progress);
  const reason = `${done.says}; ${rollout.says}`;
  return rollout.landed
    ? passed(name, 'deploy', reason, clock.now() - started, done.details)
    : failed(name, 'deploy', reason, clock.now() - started, done.details);
}
