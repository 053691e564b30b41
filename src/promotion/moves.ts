// A promotion is a plan of moves, one per image of the release (a single-image config: one move).
// Each move is an ordinary single-image promotion of its own component (config/components.ts scopes
// the request to that image's repositories), so resolving, gates, the transfer and restoring run on
// it unchanged; promote.ts carries the moves out in order and puts back the ones already made when a
// later one fails.
import { componentsOf, environmentForComponent, forComponent, isRelease } from '../config/components';
import type { EnvironmentConfig } from '../config/types';
import { repositoryName, shortDigest, type Repository } from '../core/reference';
import type { ComponentFact, GateResult } from '../gates/gate';
import type { RegistryClient } from '../registry/registryClient';
import { Ended, sourceLabelOf, sourceRepositoryOf } from './ended';
import type { Evaluation } from './gateEvaluation';
import type { Ends } from './resolveEnds';
import type { ComponentMoveSummary, PromotionRequest, PromotionSource } from './promotionTypes';
import { readOnce } from './readOnce';
import type { Transfer } from './transfer';
import type { Transport } from './transport';

export class Move {
  readonly sourceRepo: Repository;
  readonly target: EnvironmentConfig;
  readonly registry: RegistryClient & { remember(manifest: import('../registry/registryClient').Manifest): void };
  digest: string | undefined;
  previousDigest: string | null | undefined;
  /** What its tag holds at the end, read back (undefined: unknown). */
  finalDigest: string | null | undefined;
  transport: Transport = 'engine';
  transfer: Transfer | undefined;
  evaluation: Evaluation | undefined;
  /** What the first phase read: its digest, its target's, the environment before's. */
  ends: Ends | undefined;
  /** Its transfer prepared (blobs copied, or the image pulled and tagged). */
  prepared = false;
  /** The tag write started: from here on a failure must say what its tag holds. */
  writing = false;
  /** What the registry reported for our write: the proof of what we wrote. */
  wrote: string | undefined;
  /** Written and read back holding the digest (or it held it already): what a later failure puts back. */
  moved = false;
  /** Held the digest already: nothing to write, nothing to put back. */
  unchanged = false;
  /** Said about the write (signatures that came along, an answer lost). */
  note: string | undefined;

  constructor(
    /** The image's name in a release ('' for a single image: messages then name no image). */
    readonly name: string,
    /** The request as this image sees it: every repository is its own. */
    readonly request: PromotionRequest,
    registry: RegistryClient,
  ) {
    this.sourceRepo = sourceRepositoryOf(request.config, request.source);
    this.target = request.target;
    this.registry = readOnce(registry, this.sourceRepo, { repository: this.target.repository, tag: this.target.tag });
  }

  /** `api: ` in a release, nothing for a single image. */
  get prefix(): string {
    return this.name ? `${this.name}: ` : '';
  }

  summary(): ComponentMoveSummary {
    return {
      name: this.name,
      sourceRepository: repositoryName(this.sourceRepo),
      targetRepository: repositoryName(this.target.repository),
      ...(this.digest ? { digest: this.digest } : {}),
      ...(this.previousDigest !== undefined ? { previousDigest: this.previousDigest } : {}),
      ...(this.finalDigest !== undefined ? { finalDigest: this.finalDigest } : {}),
      transport: this.transport,
    };
  }

  /** `api sha256:1234… (its new digest)`: what its tag holds at the end, in words. */
  holds(): string {
    const final = this.finalDigest;
    if (final === undefined) return `${this.name} could not be read back`;
    const what = final === null ? 'nothing' : shortDigest(final);
    const whose =
      final === this.digest && final !== this.previousDigest
        ? ' (the new one)'
        : final === this.previousDigest
          ? final === this.digest
            ? ''
            : ' (the one it held before)'
          : ' (neither: another writer)';
    return `${this.name} ${what}${whose}`;
  }
}

/** A release (more than its first move): every image's name, digest and repositories, for its configured gates and redeploy. */
export function componentFacts(moves: readonly Move[], digests: readonly string[]): ComponentFact[] | undefined {
  if (!moves[0]?.name) return undefined;
  return moves.map((m, i) => ({ name: m.name, digest: digests[i]!, sourceImage: repositoryName(m.sourceRepo), repository: m.target.repository }));
}

/** In a release, a built-in gate says which image it judged; the hold is the release's own (read once). */
export function gateNamedFor(move: Move, gate: GateResult): GateResult {
  return move.name && gate.type === 'builtin' && gate.name !== 'hold' ? { ...gate, name: `${move.name}: ${gate.name}` } : gate;
}

/** The moves of a request, one per image, in the config's order. */
export function planMoves(request: PromotionRequest, registry: RegistryClient): Move[] {
  if (!isRelease(request.config)) return [new Move('', request, registry)];
  return componentsOf(request.config).map((c, i) => new Move(c.name, forComponentRequest(request, c.name, i === 0), registry));
}

function forComponentRequest(request: PromotionRequest, name: string, first: boolean): PromotionRequest {
  const { config, target, seenTargetDigest, ...rest } = request;
  return {
    ...rest,
    config: forComponent(config, name),
    target: environmentForComponent(config, target, name),
    source: sourceForComponent(request, name, first),
    // What the person saw is the first image's (the views show it); the others are re-read as usual.
    ...(first && seenTargetDigest !== undefined ? { seenTargetDigest } : {}),
  };
}

function sourceForComponent(request: PromotionRequest, name: string, first: boolean): PromotionSource {
  const { source, config } = request;
  const digest = source.digests?.[name] ?? (first ? source.digest : undefined);
  switch (source.kind) {
    case 'build':
      return { kind: 'build', tag: source.tag, ...(digest ? { digest } : {}) };
    case 'environment':
      return { kind: 'environment', environment: environmentForComponent(config, source.environment, name), ...(digest ? { digest } : {}) };
    case 'digest':
      // A release's earlier digests were recorded per image; without them there is nothing to move for this one.
      return { kind: 'digest', digest: digest ?? '', repository: environmentForComponent(config, request.target, name).repository, label: source.label };
  }
}

/** Why a release cannot move, when one image's ends could not be resolved: an incomplete build says so. */
export function unresolvedImage(request: PromotionRequest, move: Move, ended: Ended): Ended {
  const { source } = request;
  if (source.kind === 'build' && ended.status === 'blocked')
    return new Ended(
      'blocked',
      `Build ${source.tag} is incomplete: ${move.name} has no tag ${source.tag} in ${repositoryName(move.sourceRepo)}. A release moves only a build every image has; nothing was written.`,
    );
  if (source.kind === 'digest' && !move.request.source.digest)
    return new Ended('blocked', `${sourceLabelOf(source)} names no digest of ${move.name}: the release cannot be put back from it. Nothing was written.`);
  return new Ended(ended.status, `${move.prefix}${ended.message}`, ended.error);
}
