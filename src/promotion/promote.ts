// One promotion (or rollback), start to end: resolve → gates → confirm → prepare the transfer →
// re-read the target → move the tag → verify. Nothing here knows VS Code; prompts and progress come
// in as interfaces.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { CancelledError, errorMessage, isCancelled, PromotionError, throwIfAborted } from '../core/errors';
import type { Logger } from '../core/log';
import { repositoryName, shortDigest, type Repository } from '../core/reference';
import type { CredentialProvider } from '../credentials/credentials';
import type { ImageEngine } from '../engine/engine';
import { needsTypedApproval, passed, type GateResult, type HistoryView } from '../gates/gate';
import type { GateRunner } from '../gates/runGates';
import type { ImageDetails } from '../images/imageDetails';
import type { Manifest, RegistryClient } from '../registry/registryClient';
import { evaluateGates, type Evaluation } from './gateEvaluation';
import { restoreTarget } from './restore';
import type { TargetLocks } from './targetLocks';
import { engineTransfer, registryTransfer, type Transfer } from './transfer';
import type { Transport, TransportSetting } from './transport';

export type PromotionSource =
  | { readonly kind: 'environment'; readonly environment: EnvironmentConfig; /** the digest the user picked */ readonly digest?: string }
  | { readonly kind: 'build'; readonly tag: string; readonly digest?: string }
  /** A digest by itself (a rollback's earlier digest), in the repository it lives in. */
  | { readonly kind: 'digest'; readonly digest: string; readonly repository: Repository; readonly label: string };

export interface PromotionRequest {
  readonly config: PromotionConfig;
  readonly source: PromotionSource;
  readonly target: EnvironmentConfig;
  /** The target digest the user saw (null: empty). Undefined when they were shown none. */
  readonly seenTargetDigest?: string | null;
  /** A rollback takes a digest the target held before instead of the promotion order. */
  readonly mode?: 'promotion' | 'rollback';
  /** Rollback only: skip the configured gates. The confirmation then needs the name typed. */
  readonly overrideGates?: boolean;
}

export interface Confirmation {
  readonly mode: 'promotion' | 'rollback';
  readonly sourceLabel: string;
  readonly target: EnvironmentConfig;
  readonly digest: string;
  readonly sourceRepository: string;
  readonly targetRepository: string;
  readonly currentTargetDigest: string | null;
  readonly gates: readonly GateResult[];
  /** Protected, approval-gated, or gates overridden: the person types the environment name. */
  readonly requireTypedName: boolean;
  readonly transport: Transport;
  readonly transportReason: string;
  readonly platforms: readonly string[];
  /** Signatures, attestations and referrers that travel with the image (registry-side copies). */
  readonly extras?: string;
  readonly overriddenGates?: readonly string[];
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
  /** `auto` unless the user chose otherwise. */
  readonly transport?: () => TransportSetting;
  readonly now?: () => number;
}

export interface PromotionEnvironment {
  readonly trusted: boolean;
  readonly workspaceDir: string | undefined;
  readonly prompts: PromotionPrompts;
  readonly progress: (message: string) => void;
  readonly signal?: AbortSignal;
  /** What the promotion history knows (soak gates, rollback); undefined when none is kept. */
  readonly history?: HistoryView;
}

export type PromotionStatus = 'succeeded' | 'blocked' | 'failed' | 'cancelled';

export interface PromotionOutcome {
  readonly status: PromotionStatus;
  readonly mode: 'promotion' | 'rollback';
  /** One line for the user. */
  readonly message: string;
  readonly sourceLabel: string;
  readonly sourceRepository: string;
  readonly target: string;
  readonly digest?: string;
  readonly previousDigest?: string | null;
  /** What the target holds at the end, read back from the registry (undefined: could not read). */
  readonly finalDigest?: string | null;
  readonly gates: readonly GateResult[];
  readonly durationMs: number;
  readonly transport: Transport;
  readonly overriddenGates?: readonly string[];
  readonly error?: PromotionError;
}

class Stop extends Error {
  constructor(readonly status: PromotionStatus, message: string, readonly error?: PromotionError) {
    super(message);
  }
}

export function sourceLabelOf(source: PromotionSource): string {
  return source.kind === 'build' ? `build ${source.tag}` : source.kind === 'environment' ? source.environment.name : source.label;
}

export function sourceRepositoryOf(config: PromotionConfig, source: PromotionSource): Repository {
  return source.kind === 'build' ? config.repository : source.kind === 'environment' ? source.environment.repository : source.repository;
}

export async function promote(request: PromotionRequest, services: PromotionServices, env: PromotionEnvironment): Promise<PromotionOutcome> {
  const now = services.now ?? Date.now;
  const started = now();
  const { config, target, source } = request;
  const mode = request.mode ?? 'promotion';
  const log = services.log;
  const sourceLabel = sourceLabelOf(source);
  const sourceRepo = sourceRepositoryOf(config, source);
  const lockKey = `${repositoryName(target.repository)}:${target.tag}`;
  const gates: GateResult[] = [];
  const overridden = mode === 'rollback' && request.overrideGates ? target.gates.filter((g) => g.type !== 'approval').map((g) => g.name) : [];
  let digest: string | undefined;
  let previousDigest: string | null | undefined;
  let finalDigest: string | null | undefined;
  let transport: Transport = 'engine';

  const outcome = (status: PromotionStatus, message: string, error?: PromotionError): PromotionOutcome => ({
    status,
    mode,
    message,
    sourceLabel,
    sourceRepository: repositoryName(sourceRepo),
    target: target.name,
    gates,
    durationMs: now() - started,
    transport,
    ...(digest ? { digest } : {}),
    ...(previousDigest !== undefined ? { previousDigest } : {}),
    ...(finalDigest !== undefined ? { finalDigest } : {}),
    ...(overridden.length ? { overriddenGates: overridden } : {}),
    ...(error ? { error } : {}),
  });

  const lock = services.locks.tryAcquire(lockKey, `${sourceLabel} → ${target.name}`);
  if ('busy' in lock) return outcome('blocked', `A promotion into ${target.name} is already running (${lock.busy}). Wait for it to finish.`);
  log.info(`${mode === 'rollback' ? 'Rollback' : 'Promotion'} of ${sourceLabel} into ${target.name} (${lockKey}) started`);
  let wrote = false;
  let previousManifest: Manifest | undefined;
  try {
    // 1. Resolve the source digest and the target's current digest.
    env.progress('Resolving digests…');
    const resolved = await resolveEnds(request, services, env.signal);
    digest = resolved.digest;
    previousDigest = resolved.targetDigest;
    log.info(`source ${repositoryName(sourceRepo)}@${digest}; ${target.name} holds ${describe(previousDigest)}`);

    // (d) The target moved since the user looked at it.
    if (request.seenTargetDigest !== undefined && request.seenTargetDigest !== previousDigest) {
      if (!(await env.prompts.confirmMovedTarget({ target, seen: request.seenTargetDigest, now: previousDigest }))) {
        throw new Stop('cancelled', `Cancelled: ${target.name} changed since it was shown (now ${describe(previousDigest)}).`);
      }
    }
    throwIfAborted(env.signal);

    // 2. Gates: built-in ones first; configured ones only when those pass.
    env.progress('Checking gates…');
    const evaluation: Evaluation = await evaluateGates({ request, digest, sourceRepo, overridden }, services, env);
    gates.push(...evaluation.gates);
    transport = evaluation.transport.transport;
    if (!evaluation.passed) throw new Stop('blocked', blockedMessage(target, evaluation.gates));

    // 3. The person confirms, seeing source, target, digest, the transport and what the gates said.
    const requireTypedName = needsTypedApproval(target) || overridden.length > 0;
    const confirmed = await env.prompts.confirm({
      mode,
      sourceLabel,
      target,
      digest,
      sourceRepository: repositoryName(sourceRepo),
      targetRepository: repositoryName(target.repository),
      currentTargetDigest: previousDigest,
      gates,
      requireTypedName,
      transport,
      transportReason: evaluation.transport.reason,
      platforms: evaluation.details.platforms,
      ...(evaluation.extras ? { extras: evaluation.extras } : {}),
      ...(overridden.length ? { overriddenGates: overridden } : {}),
    });
    if (!confirmed) throw new Stop('cancelled', `Cancelled: ${shortDigest(digest)} was not ${mode === 'rollback' ? 'rolled back' : 'promoted'} into ${target.name}.`);
    for (const gate of target.gates.filter((g) => g.type === 'approval')) {
      gates.push(passed(gate.name, gate.type, `approved by typing "${target.name}" in the confirmation`));
    }
    if (requireTypedName && !target.gates.some((g) => g.type === 'approval')) {
      gates.push(passed(target.protected ? 'protected environment' : 'gate override', 'approval', `approved by typing "${target.name}" in the confirmation`));
    }
    throwIfAborted(env.signal);
    if (previousDigest === digest) {
      finalDigest = digest;
      throw new Stop('succeeded', `${target.name} already holds ${shortDigest(digest)}: nothing to move.`);
    }

    // 4. Prepare the transfer (pull and tag, or copy blobs), then re-read the target just before the
    //    tag moves: gates, the dialog and a pull can take minutes.
    const ends = { sourceRepository: sourceRepo, digest, targetRepository: target.repository, tag: target.tag };
    const transfer: Transfer =
      transport === 'engine'
        ? engineTransfer(ends, { engine: evaluation.engine!, credentials: services.credentials, log, progress: env.progress })
        : registryTransfer(ends, { registry: services.registry, log, progress: env.progress });
    log.info(`transport: ${transport} (${evaluation.transport.reason})`);
    await transfer.prepare(env.signal);
    const beforeWrite = (await services.registry.resolve(target.repository, target.tag, env.signal))?.digest ?? null;
    if (beforeWrite !== previousDigest) {
      log.warn(`${target.name} moved from ${describe(previousDigest)} to ${describe(beforeWrite)} while the promotion waited`);
      if (!(await env.prompts.confirmMovedTarget({ target, seen: previousDigest, now: beforeWrite }))) {
        throw new Stop('cancelled', `Cancelled: ${target.name} changed to ${describe(beforeWrite)} while the promotion waited. Nothing was written.`);
      }
      previousDigest = beforeWrite;
    }
    // Kept so a write that lands the wrong digest can be undone exactly.
    previousManifest = previousDigest ? await services.registry.getManifest(target.repository, previousDigest, env.signal) : undefined;
    wrote = true;
    const committed = await transfer.commit(env.signal);
    if (committed.note) log.info(committed.note);

    // 5. Verify: the reported digest and a fresh lookup both equal the source digest.
    env.progress('Verifying…');
    finalDigest = (await services.registry.resolve(target.repository, target.tag))?.digest ?? null;
    log.info(`verify: source ${digest}, reported ${committed.reportedDigest ?? '(none)'}, ${target.name} now ${describe(finalDigest)}`);
    if (committed.reportedDigest !== digest || finalDigest !== digest) {
      const restored = await restoreTarget(services, config, target, { previousManifest, previousDigest, current: finalDigest, chosen: digest });
      finalDigest = restored.finalDigest;
      throw new Stop(
        'failed',
        `Verification failed: ${target.name} should hold ${digest} but the ${transport === 'engine' ? 'push' : 'registry'} reported ${committed.reportedDigest ?? 'no digest'} and the registry had ${describe(restored.foundDigest)}. ${restored.message}`,
        new PromotionError('verification', 'digest mismatch after the write'),
      );
    }
    const along = committed.note ? ` ${committed.note}.` : '';
    const verb = mode === 'rollback' ? 'rolled back to' : 'now holds';
    log.info(`${mode === 'rollback' ? 'Rollback' : 'Promotion'} of ${sourceLabel} into ${target.name} succeeded: ${digest}`);
    return outcome('succeeded', `${target.name} ${verb} ${shortDigest(digest)} (from ${sourceLabel}, ${transport === 'engine' ? 'through the Docker engine' : 'copied registry-side'}), verified in the registry.${along}`);
  } catch (error) {
    if (error instanceof Stop) {
      (error.status === 'succeeded' ? log.info : log.warn).call(log, error.message);
      return outcome(error.status, error.message, error.error);
    }
    const cancelled = isCancelled(error);
    const promotionError = error instanceof PromotionError ? error : new PromotionError('internal', errorMessage(error), undefined, { cause: error });
    // After a failed or cancelled write, say what the target holds now, and undo a digest nobody chose.
    let after = '';
    if (wrote && digest) {
      const current = await services.registry.resolve(target.repository, target.tag).then((d) => d?.digest ?? null, () => undefined);
      if (current === undefined) {
        after = ` ${target.name} could not be read back; check it before promoting again.`;
      } else {
        const restored = await restoreTarget(services, config, target, { previousManifest, previousDigest: previousDigest ?? null, current, chosen: digest });
        finalDigest = restored.finalDigest;
        after = ` ${restored.message}`;
      }
    } else if (previousDigest !== undefined) {
      finalDigest = previousDigest;
      after = ` Nothing was written; ${target.name} still holds ${describe(previousDigest)}.`;
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

/** The digest to move (what the user picked, or what the source holds now) and what the target holds. */
export async function resolveEnds(request: PromotionRequest, services: Pick<PromotionServices, 'registry' | 'log'>, signal?: AbortSignal): Promise<{ digest: string; targetDigest: string | null }> {
  const { source, target, config } = request;
  const sourceRepo = sourceRepositoryOf(config, source);
  const sourceRef = source.kind === 'build' ? source.tag : source.kind === 'environment' ? source.environment.tag : source.digest;
  const [sourceNow, targetNow] = await Promise.all([services.registry.resolve(sourceRepo, sourceRef, signal), services.registry.resolve(target.repository, target.tag, signal)]);
  if (!source.digest && !sourceNow) {
    throw new Stop(
      'blocked',
      source.kind === 'build'
        ? `There is no tag ${source.tag} in ${repositoryName(sourceRepo)}. Refresh the builds and pick one that exists.`
        : `${sourceLabelOf(source)} is empty: there is nothing to promote from it.`,
    );
  }
  const digest = source.digest ?? sourceNow!.digest;
  if (source.kind !== 'digest' && source.digest && sourceNow && sourceNow.digest !== source.digest) {
    services.log.warn(`${sourceLabelOf(source)} now points at ${sourceNow.digest}, not the ${source.digest} that was picked; using the picked digest`);
  }
  return { digest, targetDigest: targetNow?.digest ?? null };
}

function describe(digest: string | null | undefined): string {
  return digest ? shortDigest(digest) : 'nothing';
}

function blockedMessage(target: EnvironmentConfig, results: readonly GateResult[]): string {
  const failedOnes = results.filter((r) => r.status !== 'passed');
  return `Not promoted into ${target.name}: ${failedOnes.map((r) => `${r.name}: ${r.reason}`).join('; ')}.`;
}

export { Stop as PromotionStop };
