// One promotion (or rollback) of a release, start to end, in phases that each return either what the
// next one needs or how the promotion ended:
//
//   lock → resolve → gates → confirm → (already there? re-read) → prepare → re-read → moves → verify
//
// A promotion is a plan of moves, one per image (moves.ts; a single-image config is a release of
// one). Every phase before the moves covers every image; then the moves are carried out one after
// another, each written and read back; when one fails, it is restored as far as it provably can be
// and the ones already made are put back in reverse order (a saga), and the message says what each
// image's tag holds. Nothing here knows VS Code; prompts and progress come in as interfaces. Every
// fact is read once (readOnce) and passed along; independent reads run together.
import type { EnvironmentConfig, WindowGateConfig } from '../config/types';
import type { CredentialProblem, CredentialProvider } from '../credentials/credentials';
import { CancelledError, errorMessage, isCancelled, PromotionError, throwIfAborted } from '../core/errors';
import { heldDigest, repositoryName, shortDigest, type Repository } from '../core/reference';
import { sentence, sentences } from '../core/sentences';
import { failed, needsTypedApproval, passed, type ComponentFact, type GateResult } from '../gates/gate';
import { windowVerdict } from '../gates/releaseWindow';
import { promotionLockPath, tryPromotionLock } from '../history/promotionLock';
import { describeImage } from '../images/imageDetails';
import { evaluateGates, gateContext, readHoldNow, type Evaluation, type HoldRead } from './gateEvaluation';
import { Ended, sourceLabelOf, sourceRepositoryOf } from './ended';
import type { PromotionEnvironment, PromotionOutcome, PromotionRequest, PromotionServices, VerificationOutcome } from './promotionTypes';
import { resolveEnds } from './resolveEnds';
import { componentFacts, gateNamedFor, planMoves, unresolvedImage, type Move } from './moves';
import { holdPlacedMeanwhile } from './holdRecheck';
import { pushBesideLook, quietLook, type QuietLook } from './pushBesideLook';
import { restoreTarget } from './restore';
import { engineTransfer, registryTransfer, type Committed } from './transfer';
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
  private readonly overridden: readonly string[];
  private readonly gates: GateResult[] = [];
  /** One per image, in the config's order; the first is the one the views and the history lead with. */
  private readonly moves: readonly Move[];
  private verification: VerificationOutcome | undefined;
  /** The environment's hold, read beside the ends: the gates need it, and it costs a round trip of its own. */
  private earlyHold: Promise<HoldRead> | undefined;
  /** The last look, still on its way when the push starts (one image the engine holds: commitBesideLook). */
  private lookBeside: Promise<QuietLook> | undefined;
  /** Said instead of "Nothing was written" when a stopped push had landed and was put back. */
  private putBack: string | undefined;

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
    this.moves = planMoves(request, services.registry);
    this.overridden = this.mode === 'rollback' && request.overrideGates ? this.target.gates.filter((g) => g.type !== 'approval').map((g) => g.name) : [];
  }

  private get log(): PromotionServices['log'] {
    return this.services.log;
  }

  /** The first image's move: what a single-image promotion is, and what a release's views lead with. */
  private get first(): Move {
    return this.moves[0]!;
  }

  private get release(): boolean {
    return this.moves.length > 1 || this.first.name !== '';
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
    const ended = await this.resolve();
    if (ended) return ended;
    // The history with the registry's records is read beside the lookups; only a rollback's
    // held-before gate and soak gates read it, so only they wait for it.
    if (this.env.historyLater && (this.mode === 'rollback' || this.target.gates.some((g) => g.type === 'soak'))) {
      const history = await this.env.historyLater;
      this.env = { ...this.env, ...(history ? { history } : {}) };
    }
    const evaluation = await this.checkGates();
    if (evaluation instanceof Ended) return evaluation;
    const confirmed = await this.confirm(evaluation);
    if (confirmed) return confirmed;
    const closed = this.windowClosedMeanwhile();
    if (closed) return closed;
    if (this.moves.every((m) => m.previousDigest === m.digest)) {
      const held = await this.alreadyThere();
      if (held) return held;
    }
    for (const move of this.moves) this.transferFor(move);
    const moved = await this.prepareAndReread();
    if (moved) return moved;
    const carried = await this.carryOut();
    return carried.status === 'succeeded' ? this.verifyAfterMove(carried, evaluation) : carried;
  }

  /** Every image's ends, side by side; a build missing from one image is an incomplete build, never moved. */
  private async resolve(): Promise<Ended | undefined> {
    this.env.progress('Resolving digests…');
    this.earlyHold = readHoldNow(this.services, this.target, this.env.signal);
    this.earlyHold?.catch(() => undefined); // a cancellation is the lookups' to report
    const all = await Promise.all(
      this.moves.map((m) => resolveEnds(m.request, { registry: m.registry, log: this.log, remember: (x) => m.registry.remember(x) }, this.env.signal)),
    );
    for (const [i, ends] of all.entries()) {
      const move = this.moves[i]!;
      if (ends instanceof Ended) return this.unresolved(move, ends);
      move.digest = ends.digest;
      move.previousDigest = ends.targetDigest;
      move.ends = ends;
      this.log.info(`${move.prefix}source ${repositoryName(move.sourceRepo)}@${ends.digest}; ${this.target.name} holds ${heldDigest(ends.targetDigest)}`);
    }
    const seen = this.request.seenTargetDigest;
    const now = this.first.previousDigest ?? null;
    if (seen !== undefined && seen !== now) {
      this.env.progress(`Waiting for your answer: ${this.target.name} changed since it was shown…`);
      if (!(await this.env.prompts.confirmMovedTarget({ target: this.target, seen, now }))) {
        return new Ended('cancelled', `Cancelled: ${this.target.name} changed since it was shown (now ${heldDigest(now)}).`);
      }
    }
    throwIfAborted(this.env.signal);
    return undefined;
  }

  /** A release: every image's digest and repositories, for its configured gates, approvals and redeploy. */
  private componentFacts(): { components?: ComponentFact[] } {
    const components = this.release
      ? componentFacts(
          this.moves,
          this.moves.map((m) => m.digest!),
        )
      : undefined;
    return components ? { components } : {};
  }

  private unresolved(move: Move, ended: Ended): Ended {
    return this.release ? unresolvedImage(this.request, move, ended) : ended;
  }

  /**
   * Built-in gates first, for every image; the configured ones once (with the first image's digest)
   * when those pass.
   */
  private async checkGates(): Promise<Evaluation | Ended> {
    this.env.progress('Checking gates…');
    const evaluations = await Promise.all(
      this.moves.map((move, i) => {
        const registry = move.registry;
        const services: PromotionServices = {
          ...this.services,
          registry,
          // The manifest is already here: describing the source costs only its config.
          describe: (repo, digest, signal) =>
            repositoryName(repo) === repositoryName(move.sourceRepo)
              ? describeImage(registry, repo, digest, signal)
              : this.services.describe(repo, digest, signal),
        };
        const ends = move.ends!;
        const input = {
          request: move.request,
          digest: ends.digest,
          sourceRepo: move.sourceRepo,
          overridden: this.overridden,
          ...(ends.previousHolds !== undefined ? { previousHolds: ends.previousHolds } : {}),
          ...(ends.manifest ? { manifest: ends.manifest } : {}),
          ...(i > 0 ? { builtinOnly: true } : { ...this.componentFacts(), ...(this.earlyHold ? { hold: this.earlyHold } : {}) }),
        };
        // A release's hold is its first image's (where the views place and read it): read once.
        return evaluateGates(input, i > 0 ? { ...services, readHold: undefined } : services, this.env);
      }),
    );
    evaluations.forEach((evaluation, i) => {
      const move = this.moves[i]!;
      move.evaluation = evaluation;
      move.transport = evaluation.transport.transport;
      this.gates.push(...evaluation.gates.map((g) => gateNamedFor(move, g)));
    });
    if (!evaluations.every((e) => e.passed)) return new Ended('blocked', blockedMessage(this.target, this.gates));
    return this.first.evaluation!;
  }

  /** The person sees source, target, digest, the transport and what the gates said. */
  private async confirm(evaluation: Evaluation): Promise<Ended | undefined> {
    const { target, mode, overridden } = this;
    const digest = this.first.digest!;
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
      currentTargetDigest: this.first.previousDigest ?? null,
      gates: [...this.gates],
      requireTypedName,
      transport: this.first.transport,
      transportReason: evaluation.transport.reason,
      platforms: evaluation.details.platforms,
      ...(evaluation.extras ? { extras: evaluation.extras } : {}),
      ...(overridden.length ? { overriddenGates: overridden } : {}),
      ...(this.request.build ? { build: this.request.build } : {}),
      ...(this.release ? { components: this.moves.map((m) => m.summary()) } : {}),
    });
    if (!confirmed) {
      const what = this.release ? `the release (${this.moves.map((m) => `${m.name} ${shortDigest(m.digest!)}`).join(', ')}) was` : `${shortDigest(digest)} was`;
      return new Ended('cancelled', `Cancelled: ${what} not ${mode === 'rollback' ? 'rolled back' : 'promoted'} into ${target.name}.`);
    }
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

  /** "Nothing to move" is checked, not assumed: every image's tag is read again after the confirmation. */
  private async alreadyThere(): Promise<Ended | undefined> {
    const moved = await this.rereadAll('while the confirmation was open');
    if (moved) return moved;
    if (this.moves.some((m) => m.previousDigest !== m.digest)) return undefined; // one moved, the person said overwrite: write
    for (const m of this.moves) m.finalDigest = m.digest;
    const what = this.release ? `the release (${this.moves.map((m) => `${m.name} ${shortDigest(m.digest!)}`).join(', ')})` : shortDigest(this.first.digest!);
    return new Ended('succeeded', `${this.target.name} already holds ${what} (read again just now): nothing to move.`);
  }

  private transferFor(move: Move): void {
    const evaluation = move.evaluation!;
    const ends = { sourceRepository: move.sourceRepo, digest: move.digest!, targetRepository: move.target.repository, tag: move.target.tag };
    const deps = { log: this.log, progress: this.env.progress };
    move.transfer =
      move.transport === 'engine'
        ? engineTransfer(ends, { ...deps, engine: evaluation.engine!, credentials: this.services.credentials, holdsImage: evaluation.engineHasImage === true })
        : registryTransfer(ends, { ...deps, registry: move.registry, ...(this.services.blobLocations ? { blobLocations: this.services.blobLocations } : {}) });
    this.log.info(`${move.prefix}transport: ${move.transport} (${evaluation.transport.reason})`);
  }

  /** The images whose tags are to be written: those that do not hold their digest already. */
  private get toWrite(): Move[] {
    return this.moves.filter((m) => m.previousDigest !== m.digest);
  }

  /**
   * Pull and tag, or copy blobs and child manifests (everything but moving the tags), then the targets
   * read again: the writes wait for that answer. When preparing is only the engine tagging images it
   * holds (local, no registry), the re-read runs beside it rather than after it; if the engine had to
   * pull after all, the targets are read once more after the pull.
   */
  private async prepareAndReread(): Promise<Ended | undefined> {
    const when = 'while the promotion waited';
    const moves = this.toWrite;
    const prepareAll = (): Promise<{ remote: boolean }[]> => Promise.all(moves.map((m) => this.prepare(m)));
    if (!moves.every((m) => m.transfer!.local)) {
      await prepareAll();
      await this.journalStart(); // before the re-read: nothing slow between it and the write
      return this.lastLook(when);
    }
    if (moves.length === 1) {
      // One image the engine holds: the last look goes beside the push itself (commitBesideLook).
      const holdAtGates = this.earlyHold ? await this.earlyHold : 'not-read';
      const look = quietLook(this.services, moves[0]!, this.target, this.mode, holdAtGates, this.env.signal);
      look.catch(() => undefined); // settled by the push's side, or left for a pull's re-read
      const [prepared] = await Promise.all([prepareAll(), this.journalStart()]);
      if (prepared.some((p) => p.remote)) return this.lastLook(when); // it pulled after all: read after that
      this.lookBeside = look;
      return undefined;
    }
    const [prepared, moved] = await Promise.allSettled([prepareAll(), this.journalStart().then(() => this.lastLook(when))]);
    if (prepared.status === 'rejected') throw prepared.reason;
    if (moved.status === 'rejected') throw moved.reason;
    if (moved.value) return moved.value;
    return prepared.value.some((p) => p.remote) ? this.lastLook(when) : undefined;
  }

  /** The targets and the environment's hold, read together right before the writes (holdRecheck.ts). */
  private async lastLook(when: string): Promise<Ended | undefined> {
    const [moved, held] = await Promise.all([this.rereadAll(when), holdPlacedMeanwhile(this.services, this.target, this.mode, this.env.signal)]);
    if (moved) return moved;
    if (!held) return undefined;
    // The record keeps what decided: the re-check replaces the pass the confirmation showed.
    const shown = this.gates.findIndex((g) => g.type === held.type && g.name === held.name);
    if (shown >= 0) this.gates[shown] = held;
    else this.gates.push(held);
    for (const move of this.moves) move.finalDigest = move.previousDigest;
    const holds = this.release ? this.moves.map((m) => `${m.name} ${heldDigest(m.previousDigest)}`).join(', ') : heldDigest(this.first.previousDigest);
    return new Ended(
      'blocked',
      sentences(blockedMessage(this.target, [held]), `${this.putBack ?? 'Nothing was written'}; ${this.target.name} still holds ${holds}.`),
    );
  }

  /**
   * The engine's push beside the last look (pushBesideLook.ts). A push it stopped (put back if it had
   * landed) is followed by the last look made the usual way, then by the push again if it may go ahead.
   */
  private async commitBesideLook(move: Move, look: Promise<QuietLook>): Promise<Committed | Ended> {
    const result = await pushBesideLook({ registry: this.services.registry, log: this.log, signal: this.env.signal }, move, look);
    if (result.kind === 'committed') return result.committed;
    if (result.kind === 'not-put-back') {
      move.finalDigest = result.restored.finalDigest;
      return new Ended(
        'failed',
        sentences(`${move.prefix}${move.target.name} changed while the push started, and the push landed before it could be stopped`, result.restored.message),
        new PromotionError('verification', 'target moved during the push'),
      );
    }
    this.putBack = result.putBack;
    const ended = await this.lastLook('while the promotion waited');
    if (ended) return ended;
    return move.transfer!.commit(this.env.signal);
  }

  private async prepare(move: Move): Promise<{ remote: boolean }> {
    const prepared = await move.transfer!.prepare(this.env.signal);
    move.prepared = true;
    return prepared;
  }

  private async rereadAll(when: string): Promise<Ended | undefined> {
    for (const move of this.moves) {
      const moved = await this.reread(move, when);
      if (moved) return moved;
    }
    return undefined;
  }

  /** Gates, the dialog and a pull can take minutes: read each target again just before its tag moves. */
  private async reread(move: Move, when: string): Promise<Ended | undefined> {
    const target = move.target;
    const now = (await this.services.registry.resolve(target.repository, target.tag, this.env.signal))?.digest ?? null;
    if (now === move.previousDigest) return undefined;
    const where = move.name ? `${target.name} (${move.name})` : target.name;
    this.log.warn(`${where} moved from ${heldDigest(move.previousDigest)} to ${heldDigest(now)} ${when}`);
    this.env.progress(`Waiting for your answer: ${where} changed ${when}…`);
    if (!(await this.env.prompts.confirmMovedTarget({ target, seen: move.previousDigest ?? null, now }))) {
      move.finalDigest = now;
      for (const other of this.moves) if (other !== move && other.finalDigest === undefined) other.finalDigest = other.previousDigest;
      return new Ended('cancelled', `Cancelled: ${where} changed to ${heldDigest(now)} ${when}. ${this.putBack ?? 'Nothing was written'}.${this.along()}`);
    }
    move.previousDigest = now;
    throwIfAborted(this.env.signal);
    return undefined;
  }

  /** A trace that outlives this process: if it dies during the writes, the history says so. */
  private async journalStart(): Promise<void> {
    if (!this.env.journal) return;
    const first = this.first;
    await this.env.journal
      .started({
        digest: first.digest!,
        previousDigest: first.previousDigest ?? null,
        transport: first.transport,
        gates: this.gates,
        ...(this.release ? { components: this.moves.map((m) => m.summary()) } : {}),
      })
      .catch((error: unknown) => this.log.warn(`could not record the start of the write in the history: ${errorMessage(error)}`));
  }

  /**
   * The moves, one after another, each written and read back. The first that fails is restored as
   * far as it provably can be (restore.ts), and the ones made before it are put back in reverse order.
   */
  private async carryOut(): Promise<Ended> {
    const moves = this.toWrite;
    for (const move of this.moves)
      if (!moves.includes(move)) {
        move.unchanged = true;
        move.finalDigest = move.digest;
      }
    for (const [i, move] of moves.entries()) {
      const failure = await this.carryOutOne(move);
      if (failure) return this.compensate(moves.slice(0, i).reverse(), failure, move);
    }
    return this.succeeded();
  }

  /** One image's write and read-back: undefined when its tag holds its digest, else how it ended (already restored). */
  private async carryOutOne(move: Move): Promise<Ended | undefined> {
    const { target } = move;
    try {
      // Its tag moved while the others were re-read, and the person chose to overwrite it: prepared now.
      if (!move.prepared) await this.prepare(move);
      move.writing = true;
      if (this.release) this.env.progress(`Moving ${move.name}…`);
      const look = this.lookBeside;
      this.lookBeside = undefined;
      const committed = look ? await this.commitBesideLook(move, look) : await move.transfer!.commit(this.env.signal);
      if (committed instanceof Ended) return committed;
      move.wrote = committed.reportedDigest;
      if (committed.note) {
        move.note = committed.note;
        this.log.info(`${move.prefix}${committed.note}`);
      }
      // The reported digest and a fresh lookup both equal the source digest.
      this.env.progress('Verifying…');
      move.finalDigest = (await this.services.registry.resolve(target.repository, target.tag))?.digest ?? null;
      this.log.info(
        `${move.prefix}verify: source ${move.digest}, reported ${committed.reportedDigest ?? '(none)'}, ${target.name} now ${heldDigest(move.finalDigest)}`,
      );
      if (committed.reportedDigest !== move.digest || move.finalDigest !== move.digest) {
        const restored = await this.restore(move, move.finalDigest);
        return new Ended(
          'failed',
          `${move.prefix}Verification failed: ${target.name} should hold ${move.digest} but the ${move.transport === 'engine' ? 'push' : 'registry'} reported ${committed.reportedDigest ?? 'no digest'} and the registry had ${heldDigest(restored.foundDigest)}. ${restored.message}`,
          new PromotionError('verification', 'digest mismatch after the write'),
        );
      }
      move.moved = true;
      return undefined;
    } catch (error) {
      return this.writeStopped(move, error);
    }
  }

  /** The write threw (refused, cut, cancelled): what the tag holds decides whether it landed or is put back. */
  private async writeStopped(move: Move, error: unknown): Promise<Ended | undefined> {
    const cancelled = isCancelled(error);
    const current = await this.services.registry.resolve(move.target.repository, move.target.tag).then(
      (d) => d?.digest ?? null,
      () => undefined,
    );
    if (current === move.digest && !cancelled) {
      // The registry holds exactly what was chosen: the move happened and is verified; the answer was lost.
      move.finalDigest = move.digest;
      move.moved = true;
      move.note = `The answer to the write was lost (${errorMessage(error)}); reading ${move.target.tag} back showed that the write landed`;
      this.log.warn(
        `${move.prefix}the answer to the write was lost (${errorMessage(error)}); read back, ${move.target.name} holds ${move.digest}: the write landed`,
      );
      return undefined;
    }
    let after: string;
    if (current === undefined) {
      move.finalDigest = undefined;
      after = ` ${move.prefix}${move.target.name} could not be read back; check it before promoting again.`;
    } else {
      if (current === move.digest) move.moved = true; // cancelled after it landed
      after = ` ${move.prefix}${(await this.restore(move, current)).message}`;
      if (this.release && move.moved) move.moved = move.finalDigest === move.digest; // a release puts even this one back
    }
    return this.failure(error, after + this.along());
  }

  /** How an error ends the promotion: its message, then what the target holds (`after`). */
  private failure(error: unknown, after: string): Ended {
    const promotionError = withCredentialProblem(
      error instanceof PromotionError ? error : new PromotionError('internal', errorMessage(error), undefined, { cause: error }),
      this.services.credentials,
      [this.sourceRepo.registry, this.target.repository.registry],
    );
    if (isCancelled(error)) return new Ended('cancelled', `Cancelled.${after}`, error instanceof PromotionError ? error : new CancelledError());
    this.log.error(`Promotion into ${this.target.name} failed: ${errorMessage(promotionError)}`);
    return new Ended('failed', sentences(errorMessage(promotionError), after), promotionError);
  }

  /**
   * A later image failed: the images already moved are put back, last first, each only if its tag
   * still holds what this promotion wrote (restore.ts), each read back. Then the message says
   * exactly what every image's tag holds.
   */
  private async compensate(done: readonly Move[], failure: Ended, stopped: Move): Promise<Ended> {
    if (!this.release) return failure;
    const undo = [...(stopped.moved ? [stopped] : []), ...done.filter((m) => m.moved)];
    const lines: string[] = [];
    for (const move of undo) {
      this.env.progress(`Putting ${move.name} back…`);
      const current = await this.services.registry.resolve(move.target.repository, move.target.tag).then(
        (d) => d?.digest ?? null,
        () => undefined,
      );
      if (current === undefined) {
        move.finalDigest = undefined;
        lines.push(`${move.name} could not be read to put it back`);
        continue;
      }
      const restored = await this.restore(move, current, true);
      // Read back: a put-back counts only when the registry shows it.
      move.finalDigest = await this.services.registry.resolve(move.target.repository, move.target.tag).then(
        (d) => d?.digest ?? null,
        () => undefined,
      );
      const back = move.finalDigest === (move.previousDigest ?? null);
      this.log[back ? 'info' : 'error'](`${move.prefix}put back: ${restored.message} (now ${heldDigest(move.finalDigest)})`);
      lines.push(
        back ? `${move.name} was put back to ${heldDigest(move.previousDigest)} (read back)` : `${move.name} could not be put back: ${restored.message}`,
      );
      if (back) move.moved = false;
    }
    for (const move of this.moves) if (!move.writing && move.finalDigest === undefined) move.finalDigest = move.previousDigest;
    const settled = this.moves.every((m) => m.finalDigest !== undefined && m.finalDigest === (m.previousDigest ?? null));
    const undone = lines.length ? sentence(`The images already moved were put back, last first: ${lines.join('; ')}`) : '';
    const holds = sentence(`${this.target.name} now holds: ${this.moves.map((m) => m.holds()).join(', ')}`);
    const verdict = settled
      ? `No image of ${this.target.name} moved: it holds the release it held before.`
      : `${this.target.name} holds a mix nobody chose: put the images named above back by hand (retag their earlier digests) before promoting again.`;
    return new Ended(failure.status, sentences(failure.message, undone, holds, verdict), failure.error);
  }

  /**
   * The environment's redeploy and the wait for it (deploy:, runtime/deployStep.ts), then its verify
   * gates (verification.ts), once every target was read back holding its digest.
   */
  private async verifyAfterMove(moved: Ended, evaluation: Evaluation): Promise<Ended> {
    const gates = this.mode === 'promotion' ? (this.target.verify ?? []) : [];
    // A rollback is redeployed too (else the workload keeps what was rolled back), but not re-verified.
    const runtime = this.target.deploy ? this.services.runtime : undefined;
    if (moved.status !== 'succeeded' || (!gates.length && !runtime)) return moved;
    // The moves are done and verified: from here on only a recorded rollback may undo them.
    const input = { request: this.first.request, digest: this.first.digest!, sourceRepo: this.first.sourceRepo, ...this.componentFacts() };
    const context = gateContext(input, this.services, this.env, evaluation.details);
    const redeploy = runtime
      ? () =>
          redeployAndWait({
            target: this.target,
            digest: this.first.digest!,
            context,
            runtime,
            clock: realClock,
            pause: pauseBefore,
            progress: this.env.progress,
          })
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

  private succeeded(): Ended {
    const verb = this.mode === 'rollback' ? 'rolled back to' : 'now holds';
    const how = (m: Move): string => (m.transport === 'engine' ? 'through the Docker engine' : 'copied registry-side');
    const notes = this.moves.map((m) => (m.note ? `${m.prefix}${m.note}` : undefined));
    this.log.info(
      `${this.mode === 'rollback' ? 'Rollback' : 'Promotion'} of ${this.sourceLabel} into ${this.target.name} succeeded: ${this.moves.map((m) => `${m.prefix}${m.digest}`).join(', ')}`,
    );
    if (!this.release)
      return new Ended(
        'succeeded',
        sentences(
          `${this.target.name} ${verb} ${shortDigest(this.first.digest!)} (from ${this.sourceLabel}, ${how(this.first)}), verified in the registry`,
          notes[0],
        ),
      );
    const each = this.moves.map((m) => `${m.name} ${shortDigest(m.digest!)} (${m.unchanged ? 'held it already' : how(m)})`).join(', ');
    return new Ended(
      'succeeded',
      sentences(`${this.target.name} ${verb} the release from ${this.sourceLabel}: ${each}; every image verified in the registry`, ...notes),
    );
  }

  private async restore(move: Move, current: string | null, undo = false): Promise<{ foundDigest: string | null; message: string }> {
    const restored = await restoreTarget({ registry: this.services.registry, log: this.log }, move.request.config, move.target, {
      previousDigest: move.previousDigest ?? null,
      current,
      chosen: move.digest!,
      wrote: undo ? move.digest : move.wrote,
      ...(undo ? { undo: true } : {}),
    });
    move.finalDigest = restored.finalDigest;
    return restored;
  }

  /** An exception before any tag was written (cancelled, a registry or engine error): nothing moved. */
  async stopped(error: unknown): Promise<Ended> {
    for (const move of this.moves) if (move.previousDigest !== undefined) move.finalDigest = move.previousDigest;
    const first = this.first;
    const after =
      first.previousDigest === undefined
        ? // Stopped before the target was even read (cancelled or refused during the lookup): no write
          // was attempted, so it holds what it held — say so rather than leave the person guessing.
          ` Nothing was written; ${this.target.name} holds what it held before.`
        : this.release
          ? ` Nothing was written; ${this.target.name} still holds ${this.moves.map((m) => `${m.name} ${heldDigest(m.previousDigest)}`).join(', ')}.`
          : ` Nothing was written; ${this.target.name} still holds ${heldDigest(first.previousDigest)}.`;
    return this.failure(error, after + this.along());
  }

  /** Signatures and referrers a registry-side copy wrote before it stopped. */
  private along(): string {
    const written = this.moves.map((m) => m.transfer?.writtenAlong()).filter((w): w is string => !!w);
    return written.map((w) => ` ${w[0]!.toUpperCase()}${w.slice(1)}.`).join('');
  }

  outcome(ended: Ended): PromotionOutcome {
    (ended.status === 'succeeded' ? this.log.info : this.log.warn).call(this.log, ended.message);
    const first = this.first;
    return {
      status: ended.status,
      mode: this.mode,
      message: ended.message,
      sourceLabel: this.sourceLabel,
      sourceRepository: repositoryName(this.sourceRepo),
      target: this.target.name,
      gates: this.gates,
      durationMs: this.now() - this.started,
      transport: first.transport,
      ...(first.digest ? { digest: first.digest } : {}),
      ...(first.previousDigest !== undefined ? { previousDigest: first.previousDigest } : {}),
      ...(first.finalDigest !== undefined ? { finalDigest: first.finalDigest } : {}),
      ...(this.overridden.length ? { overriddenGates: this.overridden } : {}),
      ...(ended.error ? { error: ended.error } : {}),
      ...(this.verification ? { verification: this.verification } : {}),
      ...(this.release ? { components: this.moves.map((m) => m.summary()) } : {}),
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

function blockedMessage(target: EnvironmentConfig, results: readonly GateResult[]): string {
  const failedOnes = results.filter((r) => r.status !== 'passed');
  return sentence(`Not promoted into ${target.name}: ${failedOnes.map((r) => `${r.name}: ${r.reason}`).join('; ')}`);
}
