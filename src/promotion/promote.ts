// One promotion, start to end: resolve → gates → confirm → re-read target → retag and push through
// the engine → verify. Nothing here knows VS Code; prompts and progress come in as interfaces.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { CancelledError, errorMessage, isCancelled, PromotionError, throwIfAborted } from '../core/errors';
import type { Logger } from '../core/log';
import { pullReference, repositoryName, shortDigest, type Repository } from '../core/reference';
import type { CredentialProvider } from '../credentials/credentials';
import type { ImageEngine } from '../engine/engine';
import { allPassed, needsTypedApproval, passed, type GateContext, type GateResult } from '../gates/gate';
import { runConfiguredGates, type GateRunner } from '../gates/runGates';
import type { ImageDetails } from '../images/imageDetails';
import type { Manifest, RegistryClient } from '../registry/registryClient';
import { engineKeepsDigestGate, engineReachableGate, orderingGate, sourceExistsGate } from './builtinGates';
import { previousEnvironment } from './plan';
import type { TargetLocks } from './targetLocks';

export type PromotionSource =
  | { readonly kind: 'environment'; readonly environment: EnvironmentConfig; /** the digest the user picked */ readonly digest?: string }
  | { readonly kind: 'build'; readonly tag: string; readonly digest?: string };

export interface PromotionRequest {
  readonly config: PromotionConfig;
  readonly source: PromotionSource;
  readonly target: EnvironmentConfig;
  /** The target digest the user saw (null: empty). Undefined when they were shown none. */
  readonly seenTargetDigest?: string | null;
}

export interface Confirmation {
  readonly sourceLabel: string;
  readonly target: EnvironmentConfig;
  readonly digest: string;
  readonly sourceRepository: string;
  readonly targetRepository: string;
  readonly currentTargetDigest: string | null;
  readonly gates: readonly GateResult[];
  /** Protected or approval-gated: the person types the environment name. */
  readonly requireTypedName: boolean;
  readonly transport: 'engine';
  readonly platform?: string;
}

export interface MovedTarget {
  readonly target: EnvironmentConfig;
  readonly seen: string | null;
  readonly now: string | null;
}

export interface PromotionPrompts {
  confirm(confirmation: Confirmation): Promise<boolean>;
  /** The target changed since the user looked: overwrite what they did not see? */
  confirmMovedTarget(moved: MovedTarget): Promise<boolean>;
}

export interface PromotionServices {
  readonly registry: RegistryClient;
  readonly engine: () => Promise<ImageEngine>;
  readonly credentials: CredentialProvider;
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  readonly locks: TargetLocks;
  readonly log: Logger;
  readonly gateRunner?: GateRunner;
  readonly now?: () => number;
}

export interface PromotionEnvironment {
  readonly trusted: boolean;
  readonly workspaceDir: string | undefined;
  readonly prompts: PromotionPrompts;
  readonly progress: (message: string) => void;
  readonly signal?: AbortSignal;
}

export type PromotionStatus = 'succeeded' | 'blocked' | 'failed' | 'cancelled';

export interface PromotionOutcome {
  readonly status: PromotionStatus;
  /** One line for the user. */
  readonly message: string;
  readonly sourceLabel: string;
  readonly target: string;
  readonly digest?: string;
  readonly previousDigest?: string | null;
  /** What the target holds at the end, read back from the registry (undefined: could not read). */
  readonly finalDigest?: string | null;
  readonly gates: readonly GateResult[];
  readonly durationMs: number;
  readonly transport: 'engine';
  readonly error?: PromotionError;
}

class Stop extends Error {
  constructor(readonly status: PromotionStatus, message: string, readonly error?: PromotionError) {
    super(message);
  }
}

export async function promote(request: PromotionRequest, services: PromotionServices, env: PromotionEnvironment): Promise<PromotionOutcome> {
  const now = services.now ?? Date.now;
  const started = now();
  const { config, target, source } = request;
  const log = services.log;
  const sourceLabel = source.kind === 'build' ? `build ${source.tag}` : source.environment.name;
  const lockKey = `${repositoryName(target.repository)}:${target.tag}`;
  const gates: GateResult[] = [];
  let digest: string | undefined;
  let previousDigest: string | null | undefined;
  let finalDigest: string | null | undefined;

  const outcome = (status: PromotionStatus, message: string, error?: PromotionError): PromotionOutcome => ({
    status,
    message,
    sourceLabel,
    target: target.name,
    gates,
    durationMs: now() - started,
    transport: 'engine',
    ...(digest ? { digest } : {}),
    ...(previousDigest !== undefined ? { previousDigest } : {}),
    ...(finalDigest !== undefined ? { finalDigest } : {}),
    ...(error ? { error } : {}),
  });

  const lock = services.locks.tryAcquire(lockKey, `${sourceLabel} → ${target.name}`);
  if ('busy' in lock) return outcome('blocked', `A promotion into ${target.name} is already running (${lock.busy}). Wait for it to finish.`);
  log.info(`Promotion of ${sourceLabel} into ${target.name} (${lockKey}) started`);
  let pushed = false;
  let previousManifest: Manifest | undefined;
  try {
    // 1. Resolve the source digest and the target's current digest.
    env.progress('Resolving digests…');
    const sourceRepo = source.kind === 'build' ? config.repository : source.environment.repository;
    const sourceRef = source.kind === 'build' ? source.tag : source.environment.tag;
    const [sourceNow, targetNow] = await Promise.all([
      services.registry.resolve(sourceRepo, sourceRef, env.signal),
      services.registry.resolve(target.repository, target.tag, env.signal),
    ]);
    previousDigest = targetNow?.digest ?? null;
    if (!source.digest && !sourceNow) {
      throw new Stop('blocked', source.kind === 'build'
        ? `There is no tag ${source.tag} in ${repositoryName(sourceRepo)}. Refresh the builds and pick one that exists.`
        : `${source.environment.name} is empty: there is nothing to promote from it.`);
    }
    digest = source.digest ?? sourceNow!.digest;
    if (source.digest && sourceNow && sourceNow.digest !== source.digest) {
      log.warn(`${sourceLabel} now points at ${sourceNow.digest}, not the ${source.digest} that was picked; promoting the picked digest`);
    }
    log.info(`source ${repositoryName(sourceRepo)}@${digest}; ${target.name} holds ${previousDigest ?? 'nothing'}`);

    // (d) The target moved since the user looked at it.
    if (request.seenTargetDigest !== undefined && request.seenTargetDigest !== previousDigest) {
      if (!(await env.prompts.confirmMovedTarget({ target, seen: request.seenTargetDigest, now: previousDigest }))) {
        throw new Stop('cancelled', `Cancelled: ${target.name} changed since it was shown (now ${describe(previousDigest)}).`);
      }
    }
    throwIfAborted(env.signal);

    // 2. Gates: built-in ones first; configured ones only when those pass.
    env.progress('Checking gates…');
    const previous = previousEnvironment(config, target);
    const previousHolds =
      previous && source.kind === 'environment' && source.environment.name === previous.name && !source.digest
        ? digest
        : previous
          ? ((await services.registry.resolve(previous.repository, previous.tag, env.signal))?.digest ?? null)
          : undefined;
    gates.push(orderingGate(target, previous, previousHolds, digest));
    const exists = (await services.registry.resolve(sourceRepo, digest, env.signal)) !== undefined;
    gates.push(sourceExistsGate(sourceRepo, digest, exists));
    let details: ImageDetails | undefined;
    if (exists) {
      details = await services.describe(sourceRepo, digest, env.signal);
      gates.push(engineKeepsDigestGate(details, digest));
    }
    let engine: ImageEngine | undefined;
    try {
      engine = await services.engine();
      await engine.ping(env.signal);
      gates.push(engineReachableGate(engine.address, undefined));
    } catch (error) {
      if (isCancelled(error)) throw error;
      gates.push(engineReachableGate('', error as Error));
    }
    logGates(log, gates);
    if (!allPassed(gates)) throw new Stop('blocked', blockedMessage(target, gates));

    const context: GateContext = {
      sourceDigest: digest,
      sourceImage: repositoryName(sourceRepo),
      ...(source.kind === 'environment' ? { sourceEnvironment: source.environment.name } : {}),
      target,
      workspaceDir: env.workspaceDir,
      trusted: env.trusted,
      log,
      ...(env.signal ? { signal: env.signal } : {}),
    };
    const configured = await runConfiguredGates(target.gates, context, services.gateRunner);
    gates.push(...configured);
    logGates(log, configured);
    if (!allPassed(configured)) throw new Stop('blocked', blockedMessage(target, configured));

    // 3. The person confirms, seeing source, target, digest and what the gates said.
    const requireTypedName = needsTypedApproval(target);
    const confirmed = await env.prompts.confirm({
      sourceLabel,
      target,
      digest,
      sourceRepository: repositoryName(sourceRepo),
      targetRepository: repositoryName(target.repository),
      currentTargetDigest: previousDigest,
      gates,
      requireTypedName,
      transport: 'engine',
      ...(details?.platforms[0] ? { platform: details.platforms[0] } : {}),
    });
    if (!confirmed) throw new Stop('cancelled', `Cancelled: ${digest ? shortDigest(digest) : sourceLabel} was not promoted into ${target.name}.`);
    for (const gate of target.gates.filter((g) => g.type === 'approval')) {
      gates.push(passed(gate.name, gate.type, `approved by typing "${target.name}" in the confirmation`));
    }
    if (requireTypedName && !target.gates.some((g) => g.type === 'approval')) {
      gates.push(passed('protected environment', 'approval', `approved by typing "${target.name}" in the confirmation`));
    }
    throwIfAborted(env.signal);

    // 4. Re-read the target just before writing: gates and the dialog can take minutes.
    const beforeWrite = (await services.registry.resolve(target.repository, target.tag, env.signal))?.digest ?? null;
    if (beforeWrite !== previousDigest) {
      log.warn(`${target.name} moved from ${describe(previousDigest)} to ${describe(beforeWrite)} while the promotion waited`);
      if (!(await env.prompts.confirmMovedTarget({ target, seen: previousDigest, now: beforeWrite }))) {
        throw new Stop('cancelled', `Cancelled: ${target.name} changed to ${describe(beforeWrite)} while the promotion waited.`);
      }
      previousDigest = beforeWrite;
    }
    if (previousDigest === digest) {
      finalDigest = digest;
      throw new Stop('succeeded', `${target.name} already holds ${shortDigest(digest)}: nothing to push.`);
    }
    // Kept so a push that lands the wrong digest can be undone exactly.
    previousManifest = previousDigest ? await services.registry.getManifest(target.repository, previousDigest, env.signal) : undefined;

    const sourceImage = pullReference(sourceRepo, digest);
    const targetImage = repositoryName(target.repository);
    if (!(await engine!.hasImage(sourceImage, env.signal))) {
      env.progress(`Pulling ${shortDigest(digest)}…`);
      log.info(`engine: pull ${sourceImage}`);
      await engine!.pull(sourceImage, await services.credentials.get(sourceRepo.registry, env.signal), (line) => log.debug(`pull: ${line}`), env.signal);
    } else {
      log.info(`engine: ${sourceImage} is already present, no pull`);
    }
    log.info(`engine: tag ${sourceImage} ${targetImage}:${target.tag}`);
    await engine!.tag(sourceImage, targetImage, target.tag, env.signal);
    env.progress(`Pushing ${target.tag}…`);
    log.info(`engine: push ${targetImage}:${target.tag}`);
    pushed = true;
    const result = await engine!.push(targetImage, target.tag, await services.credentials.get(target.repository.registry, env.signal), (line) => log.info(`push: ${line}`), env.signal);

    // 5. Verify: the pushed digest and a fresh lookup both equal the source digest.
    env.progress('Verifying…');
    finalDigest = (await services.registry.resolve(target.repository, target.tag))?.digest ?? null;
    log.info(`verify: source ${digest}, pushed ${result.digest ?? '(no digest in the push stream)'}, ${target.name} now ${describe(finalDigest)}`);
    if (result.digest !== digest || finalDigest !== digest) {
      const restored = await restore(services, config, target, previousManifest, previousDigest, finalDigest, digest);
      throw new Stop(
        'failed',
        `Verification failed: ${target.name} should hold ${digest} but the push reported ${result.digest ?? 'no digest'} and the registry now has ${describe(finalDigest)}. ${restored}`,
        new PromotionError('verification', 'digest mismatch after push'),
      );
    }
    log.info(`Promotion of ${sourceLabel} into ${target.name} succeeded: ${digest}`);
    return outcome('succeeded', `${target.name} now holds ${shortDigest(digest)} (from ${sourceLabel}), verified in the registry.`);
  } catch (error) {
    if (error instanceof Stop) {
      (error.status === 'succeeded' ? log.info : log.warn).call(log, error.message);
      return outcome(error.status, error.message, error.error);
    }
    const cancelled = isCancelled(error);
    const promotionError = error instanceof PromotionError ? error : new PromotionError('internal', errorMessage(error), undefined, { cause: error });
    // After a failed or cancelled write, say what the target holds now, and undo a digest nobody chose.
    let after = '';
    if (pushed && digest) {
      finalDigest = await services.registry.resolve(target.repository, target.tag).then((d) => d?.digest ?? null, () => undefined);
      if (finalDigest === previousDigest) after = ` ${target.name} still holds ${describe(previousDigest)}.`;
      else if (finalDigest === digest) after = ` The push had completed: ${target.name} holds ${shortDigest(digest)}.`;
      else if (finalDigest !== undefined) after = ` ${await restore(services, config, target, previousManifest, previousDigest ?? null, finalDigest, digest)}`;
      else after = ` ${target.name} could not be read back; check it before promoting again.`;
    } else if (previousDigest !== undefined) {
      finalDigest = previousDigest;
      after = ` Nothing was pushed; ${target.name} still holds ${describe(previousDigest)}.`;
    }
    if (cancelled) {
      log.warn(`Promotion into ${target.name} cancelled.${after}`);
      return outcome('cancelled', `Cancelled.${after}`, error instanceof PromotionError ? error : new CancelledError());
    }
    log.error(`Promotion into ${target.name} failed: ${errorMessage(promotionError)}${after}`);
    return outcome('failed', `${errorMessage(promotionError)}.${after}`.replace(/\.\./g, '.'), promotionError);
  } finally {
    lock.release();
  }
}

/** Puts the target back where it was after it ended up on a digest nobody chose. Says what it did. */
async function restore(
  services: PromotionServices,
  config: PromotionConfig,
  target: EnvironmentConfig,
  previousManifest: Manifest | undefined,
  previousDigest: string | null,
  current: string | null,
  chosen: string,
): Promise<string> {
  if (current === previousDigest) return `${target.name} still holds ${describe(previousDigest)}.`;
  if (current === chosen) return `${target.name} holds ${shortDigest(chosen)}.`;
  const log = services.log;
  try {
    if (previousManifest && previousDigest) {
      // Registry-side, byte for byte: the exact previous digest comes back.
      const restored = await services.registry.putManifest(target.repository, target.tag, previousManifest);
      log.warn(`restored ${target.name} to ${restored}`);
      return `${target.name} was put back to its previous digest ${shortDigest(previousDigest)}.`;
    }
    if (current) {
      // The target was empty: remove the manifest the push created so the tag is absent again —
      // unless another environment's tag shares it (deleting a manifest untags it everywhere).
      const sharing = await environmentsHolding(services, config, target, current);
      if (sharing.length) {
        return `${target.name} now points at ${current}, which nobody chose for it; ${sharing.join(', ')} hold${sharing.length === 1 ? 's' : ''} the same digest, so it was not deleted. Delete the tag ${target.tag} by hand.`;
      }
      await services.registry.deleteManifest(target.repository, current);
      log.warn(`removed ${current} so that ${target.name} is empty again`);
      return `${target.name} was emptied again (it held nothing before).`;
    }
  } catch (error) {
    log.error(`could not restore ${target.name}: ${errorMessage(error)}`);
    return `${target.name} now points at ${current}, which nobody chose, and could not be restored automatically (${errorMessage(error)}). Put it back by hand: ${previousDigest ? `retag ${previousDigest}` : `delete the tag ${target.tag}`}.`;
  }
  return '';
}

async function environmentsHolding(services: PromotionServices, config: PromotionConfig, except: EnvironmentConfig, digest: string): Promise<string[]> {
  const others = config.environments.filter((e) => e.name !== except.name && e.repository.registry === except.repository.registry && e.repository.path === except.repository.path);
  const held = await Promise.all(others.map((e) => services.registry.resolve(e.repository, e.tag).then((d) => d?.digest === digest, () => true)));
  return others.filter((_, i) => held[i]).map((e) => e.name);
}

function describe(digest: string | null | undefined): string {
  return digest ? shortDigest(digest) : 'nothing';
}

function blockedMessage(target: EnvironmentConfig, results: readonly GateResult[]): string {
  const failedOnes = results.filter((r) => r.status !== 'passed');
  return `Not promoted into ${target.name}: ${failedOnes.map((r) => `${r.name}: ${r.reason}`).join('; ')}.`;
}

function logGates(log: Logger, results: readonly GateResult[]): void {
  for (const r of results) (r.status === 'passed' ? log.info : log.warn).call(log, `gate ${r.name} (${r.type}): ${r.status}: ${r.reason}`);
}
