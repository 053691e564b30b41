// One promotion (or rollback), start to end, in phases that each return either what the next one
// needs or how the promotion ended:
//
//   lock → resolve → gates → confirm → (already there? re-read) → prepare → re-read → write → verify
//
// Nothing here knows VS Code; prompts and progress come in as interfaces. Every fact is read once
// (readOnce) and passed along; independent reads run together.
import type { EnvironmentConfig, WindowGateConfig } from '../config/types';
import type { CredentialProblem, CredentialProvider } from '../credentials/credentials';
import { CancelledError, errorMessage, isCancelled, PromotionError, throwIfAborted } from '../core/errors';
import { repositoryName, shortDigest, type Repository } from '../core/reference';
import { sentence, sentences } from '../core/sentences';
import { failed, needsTypedApproval, passed, type GateResult } from '../gates/gate';
import { windowVerdict } from '../gates/releaseWindow';
import { promotionLockPath, tryPromotionLock } from '../history/promotionLock';
import { describeImage } from '../images/imageDetails';
import { evaluateGates, gateContext, type Evaluation } from './gateEvaluation';
import { Ended, sourceLabelOf, sourceRepositoryOf } from './ended';
import type { PromotionEnvironment, PromotionOutcome, PromotionRequest, PromotionServices, VerificationOutcome } from './promotionTypes';
import { resolveEnds, type Ends } from './resolveEnds';
import { holdPlacedMeanwhile } from './holdRecheck';
import { readOnce } from './readOnce';
import { restoreTarget } from './restore';
import { engineTransfer, registryTransfer, type Transfer } from './transfer';
import type { Transport } from './transport';
import { verifyMove } from './verifyMove';
import { pauseBefore, realClock } from './verification';
import { redeployAndWait } from '../runtime/deployStep';

export type * from './promotionTypes';
export { Ended, sourceLabelOf, sourceRepositoryOf } from './ended';
export { resolveEnds, type Ends } from './resolveEnds';

export async function promote(request: PromotionRequest, services: PromotionServices, env: PromotionEnvironment): Promise<PromotionOutcome> {
  const run = new Promotion(request, services, env);
  const release = await run.lock();
  if (release instanceof Ended) return run.outcome(release);
  try {
    return run.outcome(await run.phases());
  } catch (error) {
    return run.outcome(await run.stopped(error));
  } finally {
    await release();
  }
}

class Promotion {
  private readonly started: number;
  private readonly now: () => number;
  private readonly mode: 'promotion' | 'rollback';
  private readonly sourceLabel: string;
  private readonly sourceRepo: Repository;
  private readonly target: EnvironmentConfig;
  private readonly registry: ReturnType<typeof readOnce>;
  private readonly overridden: readonly string[];
  private readonly gates: GateResult[] = [];
  private digest: string | undefined;
  private previousDigest: string | null | undefined;
  private finalDigest: string | null | undefined;
  private transport: Transport = 'engine';
  private transfer: Transfer | undefined;
  /** The tag write started: from here on a failure must say what the target holds. */
  private writing = false;
  /** What the registry reported for our write: the proof of what we wrote. */
  private wrote: string | undefined;
  private verification: VerificationOutcome | undefined;
  /** What the gates found (the image's details): verify gates read them too. */
  private evaluation: Evaluation | undefined;

  constructor(
    private readonly request: PromotionRequest,
    private readonly services: PromotionServices,
    private env: PromotionEnvironment,
  ) {
    this.now = services.now ?? Date.now;
    this.started = this.now();
    this.mode = request.mode ?? 'promotion';
    this.sourceLabel = sourceLabelOf(request.source);
    this.sourceRepo = sourceRepositoryOf(request.config, request.source);
    this.target = request.target;
    this.registry = readOnce(services.registry, this.sourceRepo, { repository: this.target.repository, tag: this.target.tag });
    this.overridden = this.mode === 'rollback' && request.overrideGates ? this.target.gates.filter((g) => g.type !== 'approval').map((g) => g.name) : [];
  }

  private get log(): PromotionServices['log'] {
    return this.services.log;
  }

  /** In this window, then across processes (beside the history file). Returns the release, or why not. */
  async lock(): Promise<(() => Promise<void>) | Ended> {
    const key = `${repositoryName(this.target.repository)}:${this.target.tag}`;
    const what = `${this.sourceLabel} → ${this.target.name}`;
    const busy = (holder: string): Ended => new Ended('blocked', `A promotion into ${this.target.name} is already running (${holder}). Wait for it to finish.`);
    const local = this.services.locks.tryAcquire(key, what);
    if ('busy' in local) return busy(local.busy);
    let shared: Awaited<ReturnType<typeof tryPromotionLock>> | undefined;
    if (this.env.historyFile) {
      try {
        shared = await tryPromotionLock(promotionLockPath(this.env.historyFile, this.target.name, key), what);
      } catch (error) {
        local.release();
        return new Ended(
          'failed',
          sentences(`Could not take the promotion lock beside ${this.env.historyFile}: ${errorMessage(error)}`, 'Nothing was written.'),
        );
      }
      if ('busy' in shared) {
        local.release();
        return busy(shared.busy);
      }
    }
    this.log.info(`${this.mode === 'rollback' ? 'Rollback' : 'Promotion'} of ${this.sourceLabel} into ${this.target.name} (${key}) started`);
    const sharedRelease = shared && 'release' in shared ? shared.release : undefined;
    return async () => {
      local.release();
      await sharedRelease?.().catch((error: unknown) => this.log.warn(`could not remove the promotion lock: ${errorMessage(error)}`));
    };
  }

  async phases(): Promise<Ended> {
    const ends = await this.resolve();
    if (ends instanceof Ended) return ends;
    if (this.env.historyLater) {
      const history = await this.env.historyLater;
      this.env = { ...this.env, ...(history ? { history } : {}) };
    }
    const evaluation = await this.checkGates(ends);
    if (evaluation instanceof Ended) return evaluation;
    const confirmed = await this.confirm(evaluation);
    if (confirmed) return confirmed;
    const closed = this.windowClosedMeanwhile();
    if (closed) return closed;
    if (this.previousDigest === this.digest) {
      const held = await this.alreadyThere();
      if (held) return held;
    }
    const transfer = this.transferFor(evaluation);
    const moved = await this.prepareAndReread(transfer);
    if (moved) return moved;
    const committed = await this.write(transfer);
    return this.verifyAfterMove(await this.verify(committed), evaluation);
  }

  private async resolve(): Promise<Ends | Ended> {
    this.env.progress('Resolving digests…');
    const ends = await resolveEnds(this.request, { registry: this.registry, log: this.log, remember: (m) => this.registry.remember(m) }, this.env.signal);
    if (ends instanceof Ended) return ends;
    this.digest = ends.digest;
    this.previousDigest = ends.targetDigest;
    this.log.info(`source ${repositoryName(this.sourceRepo)}@${ends.digest}; ${this.target.name} holds ${describe(ends.targetDigest)}`);
    const seen = this.request.seenTargetDigest;
    if (seen !== undefined && seen !== ends.targetDigest) {
      this.env.progress(`Waiting for your answer: ${this.target.name} changed since it was shown…`);
      if (!(await this.env.prompts.confirmMovedTarget({ target: this.target, seen, now: ends.targetDigest }))) {
        return new Ended('cancelled', `Cancelled: ${this.target.name} changed since it was shown (now ${describe(ends.targetDigest)}).`);
      }
    }
    throwIfAborted(this.env.signal);
    return ends;
  }

  /** Built-in gates first; configured ones only when those pass. */
  private async checkGates(ends: Ends): Promise<Evaluation | Ended> {
    this.env.progress('Checking gates…');
    const registry = this.registry;
    const services: PromotionServices = {
      ...this.services,
      registry,
      // The manifest is already here: describing the source costs only its config.
      describe: (repo, digest, signal) =>
        repositoryName(repo) === repositoryName(this.sourceRepo) ? describeImage(registry, repo, digest, signal) : this.services.describe(repo, digest, signal),
    };
    const input = {
      request: this.request,
      digest: ends.digest,
      sourceRepo: this.sourceRepo,
      overridden: this.overridden,
      ...(ends.previousHolds !== undefined ? { previousHolds: ends.previousHolds } : {}),
      ...(ends.manifest ? { manifest: ends.manifest } : {}),
    };
    const evaluation = await evaluateGates(input, services, this.env);
    this.gates.push(...evaluation.gates);
    this.transport = evaluation.transport.transport;
    this.evaluation = evaluation;
    if (!evaluation.passed) return new Ended('blocked', blockedMessage(this.target, evaluation.gates));
    return evaluation;
  }

  /** The person sees source, target, digest, the transport and what the gates said. */
  private async confirm(evaluation: Evaluation): Promise<Ended | undefined> {
    const { target, mode, overridden } = this;
    const digest = this.digest!;
    const requireTypedName = needsTypedApproval(target) || overridden.length > 0;
    // Not "Checking gates…" while the dialog is open: say what the notification waits for.
    this.env.progress(requireTypedName ? `Waiting for your confirmation (you type "${target.name}")…` : 'Waiting for your confirmation…');
    const confirmed = await this.env.prompts.confirm({
      mode,
      sourceLabel: this.sourceLabel,
      target,
      digest,
      sourceRepository: repositoryName(this.sourceRepo),
      targetRepository: repositoryName(target.repository),
      currentTargetDigest: this.previousDigest ?? null,
      gates: [...this.gates],
      requireTypedName,
      transport: this.transport,
      transportReason: evaluation.transport.reason,
      platforms: evaluation.details.platforms,
      ...(evaluation.extras ? { extras: evaluation.extras } : {}),
      ...(overridden.length ? { overriddenGates: overridden } : {}),
      ...(this.request.build ? { build: this.request.build } : {}),
    });
    if (!confirmed)
      return new Ended('cancelled', `Cancelled: ${shortDigest(digest)} was not ${mode === 'rollback' ? 'rolled back' : 'promoted'} into ${target.name}.`);
    const approval = this.env.prompts.approvalReason?.(target) ?? `approved by typing "${target.name}" in the confirmation`;
    for (const gate of target.gates.filter((g) => g.type === 'approval')) {
      // Counted before the confirmation (approvals given ahead): the record names those approvers and this confirmation.
      const counted = this.gates.findIndex((g) => g.type === gate.type && g.name === gate.name);
      if (counted < 0) this.gates.push(passed(gate.name, gate.type, approval));
      else this.gates[counted] = passed(gate.name, gate.type, `${this.gates[counted]!.reason}; ${approval}`, 0, this.gates[counted]!.details);
    }
    if (requireTypedName && !target.gates.some((g) => g.type === 'approval')) {
      this.gates.push(passed(target.protected ? 'protected environment' : 'gate override', 'approval', approval));
    }
    this.env.progress('Confirmed; preparing the transfer…');
    throwIfAborted(this.env.signal);
    return undefined;
  }

  /** Time passed while the confirmation was open: a release window that closed meanwhile blocks the write. */
  private windowClosedMeanwhile(): Ended | undefined {
    const now = this.now();
    const results = this.target.gates
      .filter((g): g is WindowGateConfig => g.type === 'window' && !this.overridden.includes(g.name))
      .map((gate) => ({ gate, verdict: windowVerdict(gate, now) }))
      .filter(({ verdict }) => !verdict.open)
      .map(({ gate, verdict }) => failed(gate.name, gate.type, `closed while the confirmation was open: ${verdict.reason}`));
    if (!results.length) return undefined;
    // The record keeps what decided: the failed re-check replaces the pass the confirmation showed.
    for (const result of results) {
      const shown = this.gates.findIndex((g) => g.type === result.type && g.name === result.name);
      if (shown >= 0) this.gates[shown] = result;
      else this.gates.push(result);
    }
    return new Ended('blocked', blockedMessage(this.target, results));
  }

  /** "Nothing to move" is checked, not assumed: the target is read again after the confirmation. */
  private async alreadyThere(): Promise<Ended | undefined> {
    const moved = await this.reread('while the confirmation was open');
    if (moved) return moved;
    if (this.previousDigest !== this.digest) return undefined; // it moved, the person said overwrite: write
    this.finalDigest = this.digest;
    return new Ended('succeeded', `${this.target.name} already holds ${shortDigest(this.digest!)} (read again just now): nothing to move.`);
  }

  private transferFor(evaluation: Evaluation): Transfer {
    const ends = { sourceRepository: this.sourceRepo, digest: this.digest!, targetRepository: this.target.repository, tag: this.target.tag };
    const deps = { log: this.log, progress: this.env.progress };
    const transfer =
      this.transport === 'engine'
        ? engineTransfer(ends, { ...deps, engine: evaluation.engine!, credentials: this.services.credentials, holdsImage: evaluation.engineHasImage === true })
        : registryTransfer(ends, { ...deps, registry: this.registry, ...(this.services.blobLocations ? { blobLocations: this.services.blobLocations } : {}) });
    this.transfer = transfer;
    this.log.info(`transport: ${this.transport} (${evaluation.transport.reason})`);
    return transfer;
  }

  /**
   * Pull and tag, or copy blobs and child manifests (everything but moving the tag), then the target
   * read again: the write waits for that answer. When preparing is only the engine tagging an image
   * it holds (local, no registry), the re-read runs beside it rather than after it; if the engine
   * had to pull after all, the target is read once more after the pull.
   */
  private async prepareAndReread(transfer: Transfer): Promise<Ended | undefined> {
    const when = 'while the promotion waited';
    if (!transfer.local) {
      await transfer.prepare(this.env.signal);
      await this.journalStart(); // before the re-read: nothing slow between it and the write
      return this.lastLook(when);
    }
    const [prepared, moved] = await Promise.allSettled([transfer.prepare(this.env.signal), this.journalStart().then(() => this.lastLook(when))]);
    if (prepared.status === 'rejected') throw prepared.reason;
    if (moved.status === 'rejected') throw moved.reason;
    if (moved.value) return moved.value;
    return prepared.value.remote ? this.lastLook(when) : undefined;
  }

  /** The target and its hold, read together right before the write (holdRecheck.ts). */
  private async lastLook(when: string): Promise<Ended | undefined> {
    const [moved, held] = await Promise.all([this.reread(when), holdPlacedMeanwhile(this.services, this.target, this.mode, this.env.signal)]);
    if (moved) return moved;
    if (!held) return undefined;
    // The record keeps what decided: the re-check replaces the pass the confirmation showed.
    const shown = this.gates.findIndex((g) => g.type === held.type && g.name === held.name);
    if (shown >= 0) this.gates[shown] = held;
    else this.gates.push(held);
    this.finalDigest = this.previousDigest;
    return new Ended(
      'blocked',
      sentences(blockedMessage(this.target, [held]), `Nothing was written; ${this.target.name} still holds ${describe(this.previousDigest)}.`),
    );
  }

  /** Gates, the dialog and a pull can take minutes: read the target again just before the tag moves. */
  private async reread(when: string): Promise<Ended | undefined> {
    const now = (await this.services.registry.resolve(this.target.repository, this.target.tag, this.env.signal))?.digest ?? null;
    if (now === this.previousDigest) return undefined;
    this.log.warn(`${this.target.name} moved from ${describe(this.previousDigest)} to ${describe(now)} ${when}`);
    this.env.progress(`Waiting for your answer: ${this.target.name} changed ${when}…`);
    if (!(await this.env.prompts.confirmMovedTarget({ target: this.target, seen: this.previousDigest ?? null, now }))) {
      this.finalDigest = now;
      return new Ended('cancelled', `Cancelled: ${this.target.name} changed to ${describe(now)} ${when}. Nothing was written.${this.along()}`);
    }
    this.previousDigest = now;
    throwIfAborted(this.env.signal);
    return undefined;
  }

  /** A trace that outlives this process: if it dies during the write, the history says so. */
  private async journalStart(): Promise<void> {
    if (!this.env.journal) return;
    await this.env.journal
      .started({ digest: this.digest!, previousDigest: this.previousDigest ?? null, transport: this.transport, gates: this.gates })
      .catch((error: unknown) => this.log.warn(`could not record the start of the write in the history: ${errorMessage(error)}`));
  }

  private async write(transfer: Transfer): Promise<{ reportedDigest?: string; note?: string }> {
    this.writing = true;
    const committed = await transfer.commit(this.env.signal);
    this.wrote = committed.reportedDigest;
    if (committed.note) this.log.info(committed.note);
    return committed;
  }

  /** The reported digest and a fresh lookup both equal the source digest. */
  private async verify(committed: { reportedDigest?: string; note?: string }): Promise<Ended> {
    const { target, transport } = this;
    const digest = this.digest!;
    this.env.progress('Verifying…');
    this.finalDigest = (await this.services.registry.resolve(target.repository, target.tag))?.digest ?? null;
    this.log.info(`verify: source ${digest}, reported ${committed.reportedDigest ?? '(none)'}, ${target.name} now ${describe(this.finalDigest)}`);
    if (committed.reportedDigest !== digest || this.finalDigest !== digest) {
      const restored = await this.restore(this.finalDigest);
      return new Ended(
        'failed',
        `Verification failed: ${target.name} should hold ${digest} but the ${transport === 'engine' ? 'push' : 'registry'} reported ${committed.reportedDigest ?? 'no digest'} and the registry had ${describe(restored.foundDigest)}. ${restored.message}`,
        new PromotionError('verification', 'digest mismatch after the write'),
      );
    }
    return this.succeeded(committed.note);
  }

  /**
   * The environment's redeploy and the wait for it (deploy:, runtime/deployStep.ts), then its verify
   * gates (verification.ts), once the target was read back holding the digest.
   */
  private async verifyAfterMove(moved: Ended, evaluation: Evaluation): Promise<Ended> {
    const gates = this.mode === 'promotion' ? (this.target.verify ?? []) : [];
    // A rollback is redeployed too (else the workload keeps what was rolled back), but not re-verified.
    const runtime = this.target.deploy ? this.services.runtime : undefined;
    if (moved.status !== 'succeeded' || (!gates.length && !runtime)) return moved;
    // The move is done and verified: from here on only a recorded rollback may undo it, never restore().
    this.writing = false;
    const input = { request: this.request, digest: this.digest!, sourceRepo: this.sourceRepo };
    const context = gateContext(input, this.services, this.env, evaluation.details);
    const redeploy = runtime
      ? () =>
          redeployAndWait({ target: this.target, digest: this.digest!, context, runtime, clock: realClock, pause: pauseBefore, progress: this.env.progress })
      : undefined;
    const checked = await verifyMove(
      {
        gates,
        context,
        moved: moved.message,
        onFailure: this.mode === 'rollback' ? 'report' : (this.target.onVerifyFailure ?? 'report'),
        ...(redeploy ? { redeploy } : {}),
      },
      this.services.gateRunner,
      this.env.progress,
    );
    this.verification = checked.verification;
    return checked.ended;
  }

  private succeeded(note?: string): Ended {
    const digest = this.digest!;
    const verb = this.mode === 'rollback' ? 'rolled back to' : 'now holds';
    const how = this.transport === 'engine' ? 'through the Docker engine' : 'copied registry-side';
    this.log.info(`${this.mode === 'rollback' ? 'Rollback' : 'Promotion'} of ${this.sourceLabel} into ${this.target.name} succeeded: ${digest}`);
    return new Ended(
      'succeeded',
      sentences(`${this.target.name} ${verb} ${shortDigest(digest)} (from ${this.sourceLabel}, ${how}), verified in the registry`, note),
    );
  }

  /**
   * The write failed on our side of the wire (its answer reset, timed out) but the read-back shows
   * the target holds the promoted digest: the registry holds exactly what was chosen, so the
   * promotion happened and is verified — reported as the success it is, saying the answer was lost.
   */
  private answerLost(error: PromotionError): Ended {
    this.finalDigest = this.digest!;
    this.log.warn(`the answer to the write was lost (${error.message}); read back, ${this.target.name} holds ${this.digest!}: the write landed`);
    return this.succeeded(`The answer to the write was lost (${error.message}); reading ${this.target.tag} back showed that the write landed`);
  }

  private async restore(current: string | null): Promise<{ foundDigest: string | null; message: string }> {
    const restored = await restoreTarget({ registry: this.services.registry, log: this.log }, this.request.config, this.target, {
      previousDigest: this.previousDigest ?? null,
      current,
      chosen: this.digest!,
      wrote: this.wrote,
    });
    this.finalDigest = restored.finalDigest;
    return restored;
  }

  /** An exception ended it (cancelled, a registry or engine error): say what the target holds now. */
  async stopped(error: unknown): Promise<Ended> {
    const cancelled = isCancelled(error);
    const promotionError = withCredentialProblem(
      error instanceof PromotionError ? error : new PromotionError('internal', errorMessage(error), undefined, { cause: error }),
      this.services.credentials,
      [this.sourceRepo.registry, this.target.repository.registry],
    );
    let after = '';
    if (this.writing && this.digest) {
      const current = await this.services.registry.resolve(this.target.repository, this.target.tag).then(
        (d) => d?.digest ?? null,
        () => undefined,
      );
      // The write landed: it is verified after the move as any other.
      if (current === this.digest && !cancelled)
        return this.evaluation ? this.verifyAfterMove(this.answerLost(promotionError), this.evaluation) : this.answerLost(promotionError);
      if (current === undefined) {
        this.finalDigest = undefined;
        after = ` ${this.target.name} could not be read back; check it before promoting again.`;
      } else {
        after = ` ${(await this.restore(current)).message}`;
      }
    } else if (this.previousDigest !== undefined) {
      this.finalDigest = this.previousDigest;
      after = ` Nothing was written; ${this.target.name} still holds ${describe(this.previousDigest)}.`;
    } else {
      // Stopped before the target was even read (cancelled or refused during the lookup): no write
      // was attempted, so it holds what it held — say so rather than leave the person guessing.
      after = ` Nothing was written; ${this.target.name} holds what it held before.`;
    }
    after += this.along();
    if (cancelled) {
      return new Ended('cancelled', `Cancelled.${after}`, error instanceof PromotionError ? error : new CancelledError());
    }
    this.log.error(`Promotion into ${this.target.name} failed: ${errorMessage(promotionError)}`);
    return new Ended('failed', sentences(errorMessage(promotionError), after), promotionError);
  }

  /** Signatures and referrers a registry-side copy wrote before it stopped. */
  private along(): string {
    const written = this.transfer?.writtenAlong();
    return written ? ` ${written[0]!.toUpperCase()}${written.slice(1)}.` : '';
  }

  outcome(ended: Ended): PromotionOutcome {
    (ended.status === 'succeeded' ? this.log.info : this.log.warn).call(this.log, ended.message);
    return {
      status: ended.status,
      mode: this.mode,
      message: ended.message,
      sourceLabel: this.sourceLabel,
      sourceRepository: repositoryName(this.sourceRepo),
      target: this.target.name,
      gates: this.gates,
      durationMs: this.now() - this.started,
      transport: this.transport,
      ...(this.digest ? { digest: this.digest } : {}),
      ...(this.previousDigest !== undefined ? { previousDigest: this.previousDigest } : {}),
      ...(this.finalDigest !== undefined ? { finalDigest: this.finalDigest } : {}),
      ...(this.overridden.length ? { overriddenGates: this.overridden } : {}),
      ...(ended.error ? { error: ended.error } : {}),
      ...(this.verification ? { verification: this.verification } : {}),
    };
  }
}

/**
 * A registry that refused us when the credential helper for it is broken: the message names the
 * helper and what it did, and the hint is about fixing it (not "docker login", which would not help).
 */
function withCredentialProblem(error: PromotionError, credentials: CredentialProvider, registries: readonly string[]): PromotionError {
  if (error.kind !== 'unauthorized' || !credentials.problem) return error;
  const problems = [...new Set(registries)].map((r) => credentials.problem!(r)).filter((p): p is CredentialProblem => p !== undefined);
  if (problems.length === 0) return error;
  return new PromotionError(
    'unauthorized',
    `${error.message}; no credentials could be read: ${problems.map((p) => p.message).join('; ')}`,
    problems.map((p) => p.hint).join(' '),
    { cause: error },
  );
}

function describe(digest: string | null | undefined): string {
  return digest ? shortDigest(digest) : 'nothing';
}

function blockedMessage(target: EnvironmentConfig, results: readonly GateResult[]): string {
  const failedOnes = results.filter((r) => r.status !== 'passed');
  return sentence(`Not promoted into ${target.name}: ${failedOnes.map((r) => `${r.name}: ${r.reason}`).join('; ')}`);
}
