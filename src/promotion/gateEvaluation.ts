// Every check before a promotion is confirmed: the built-in gates (order or held-before, source
// exists, a transport that keeps the digest, a reachable engine when it is used), then the
// environment's configured gates. Shared by promote() and "Check Gates…".
import { repositoryName, shortDigest, type Repository } from '../core/reference';
import { errorMessage, isCancelled } from '../core/errors';
import type { ApprovalGateConfig, EnvironmentConfig } from '../config/types';
import type { HoldDocument } from '../records/holds';
import { approvalGateResult, countApprovals, needsStoredApprovals, type SignedBy, type StoredApproval } from '../gates/approvalCount';
import { loadListedKeys } from '../evidence/approvalSignature';
import { allPassed, errored, passed, type ComponentFact, type GateContext, type GateResult } from '../gates/gate';
import { approvalsOfRelease } from '../records/approvals';
import { runConfiguredGates } from '../gates/runGates';
import type { EngineImage, ImageEngine } from '../engine/engine';
import type { ImageDetails } from '../images/imageDetails';
import { copyMode, describeExtras, findExtras } from '../registry/registryCopy';
import type { Manifest } from '../registry/registryClient';
import { engineReachableGate, heldBeforeGate, orderingGate, shownHoldGate, sourceExistsGate, transportKeepsDigestGate } from './builtinGates';
import { engineImageDetails } from './engineDetails';
import { signedArrival } from './signedArrival';
import { previousEnvironment } from './plan';
import type { PromotionEnvironment, PromotionRequest, PromotionServices } from './promote';
import { chooseTransport, type TransportChoice } from './transport';

export interface Evaluation {
  readonly gates: readonly GateResult[];
  readonly passed: boolean;
  readonly transport: TransportChoice;
  readonly details: ImageDetails;
  /** Connected and answering, when the engine transport was chosen. */
  readonly engine?: ImageEngine;
  /** Whether that engine held the source image when the gates asked (undefined: not asked). */
  readonly engineHasImage?: boolean;
  /** What would travel with a registry-side copy into another repository. */
  readonly extras?: string;
}

export interface EvaluationInput {
  readonly request: PromotionRequest;
  readonly digest: string;
  readonly sourceRepo: Repository;
  /** Configured gates the person chose to skip (rollback override). */
  readonly overridden: readonly string[];
  /** What the environment before the target holds, when it was read with the ends (null: empty). */
  readonly previousHolds?: string | null;
  /** The source manifest, when the ends read it. */
  readonly manifest?: Manifest;
  /** Only the built-in gates: a release's other images (its configured gates run once, on the first). */
  readonly builtinOnly?: boolean;
  /** A release: every image's digest, for its configured gates (placeholders, approvals) on the first. */
  readonly components?: readonly ComponentFact[];
  /** The environment's hold, when its read was started beside the ends (an Error: it could not be read). */
  readonly hold?: Promise<HoldRead>;
}

/** A hold read: the hold, none, or why it could not be read (a cancellation rejects). */
export type HoldRead = HoldDocument | undefined | Error;

/** The hold's read, started now; cancelling rejects, any other failure is the Error the hold gate shows. */
export function readHoldNow(services: Pick<PromotionServices, 'readHold'>, target: EnvironmentConfig, signal?: AbortSignal): Promise<HoldRead> | undefined {
  return services.readHold?.(target, signal).catch((error: unknown) => (isCancelled(error) ? Promise.reject(error) : (error as Error)));
}

/** The engine, connected and answering, and the source image if it holds it; or why it could not be asked. */
interface EngineProbe {
  readonly engine?: ImageEngine;
  readonly image?: EngineImage;
  readonly error?: Error;
}

/** One local call: an inspect that answers proves the engine reachable (no separate ping). */
async function probeEngine(services: PromotionServices, reference: string, signal: AbortSignal | undefined): Promise<EngineProbe> {
  try {
    const engine = await services.engine();
    const image = await engine.inspectImage(reference, signal);
    return { engine, ...(image ? { image } : {}) };
  } catch (error) {
    if (isCancelled(error)) throw error;
    return { error: error as Error };
  }
}

export async function evaluateGates(
  input: EvaluationInput,
  services: PromotionServices,
  env: Pick<PromotionEnvironment, 'trusted' | 'workspaceDir' | 'signal' | 'history' | 'promoter'>,
): Promise<Evaluation> {
  const { request, digest, sourceRepo } = input;
  const { config, target, source } = request;
  const signal = env.signal;
  const gates: GateResult[] = [];
  const previous = previousEnvironment(config, target);

  if (request.mode === 'rollback') {
    gates.push(heldBeforeGate(target, digest, env.history?.arrivedAt(target.name, digest), env.history?.heldAt?.(target.name, digest)));
  } else {
    const previousHolds =
      previous && source.kind === 'environment' && source.environment.name === previous.name && !source.digest
        ? digest
        : input.previousHolds !== undefined
          ? input.previousHolds
          : previous
            ? ((await services.registry.resolve(previous.repository, previous.tag, signal))?.digest ?? null)
            : undefined;
    // The evidence is read only when the order holds: otherwise the gate fails already.
    const signed =
      previous && previousHolds === digest ? await signedArrival(config, previous, digest, env.workspaceDir, services.attestations, signal) : undefined;
    gates.push(orderingGate(target, previous, previousHolds, digest, signed));
  }

  // The engine is asked what it has only when it could be used; a registry-side setting never touches
  // it. Its answer is local, so it is asked beside the registry's: when it holds the source image,
  // its details save the registry's config read.
  const setting = services.transport?.() ?? 'auto';
  const [exists, probe, hold] = await Promise.all([
    services.registry.resolve(sourceRepo, digest, signal).then((d) => d !== undefined),
    setting !== 'registry' ? probeEngine(services, `${repositoryName(sourceRepo)}@${digest}`, signal) : ({} as EngineProbe),
    input.hold ?? readHoldNow(services, target, signal),
  ]);
  const holdLine = services.readHold ? shownHoldGate(target, request.mode ?? 'promotion', hold, (services.now ?? Date.now)()) : undefined;
  if (holdLine) gates.push(holdLine);
  gates.push(sourceExistsGate(sourceRepo, digest, exists));
  const { engine, error: engineError } = probe;
  const engineHasImage = engine ? probe.image !== undefined : undefined;
  const fromEngine = exists && probe.image && input.manifest ? engineImageDetails(probe.image, input.manifest) : undefined;
  if (fromEngine) services.log.info(`engine: holds ${digest} (image ${shortDigest(probe.image!.id)}): its labels and platform from the engine, no config read`);
  else if (exists && probe.image && input.manifest)
    services.log.info(`engine: its image ${shortDigest(probe.image.id)} is not the config of ${digest}: the details come from the registry`);
  const details: ImageDetails = exists
    ? (fromEngine ?? (await services.describe(sourceRepo, digest, signal)))
    : { digest, mediaType: '', isIndex: false, platforms: [], labels: {} };

  const crossRegistry = sourceRepo.registry !== target.repository.registry;
  const transport = chooseTransport(setting, {
    isIndex: details.isIndex,
    mediaType: details.mediaType,
    engineHasImage,
    engineReachable: !!engine,
    crossRegistry,
  });
  if (exists) gates.push(transportKeepsDigestGate(transport, details, digest, crossRegistry));
  if (transport.transport === 'engine') gates.push(engineReachableGate(engine?.address ?? '', engineError));

  let extras: string | undefined;
  if (exists && transport.transport === 'registry' && copyMode(sourceRepo, target.repository) !== 'same-repository') {
    try {
      extras =
        describeExtras(await findExtras({ repository: sourceRepo, digest }, { registry: services.registry, ...(signal ? { signal } : {}) })) || undefined;
    } catch (error) {
      if (isCancelled(error)) throw error;
      services.log.warn(`could not look for signatures and referrers of ${digest}: ${(error as Error).message}`);
    }
  }
  logGates(services, gates);
  const base = {
    transport,
    details,
    ...(engine && transport.transport === 'engine' ? { engine, ...(engineHasImage !== undefined ? { engineHasImage } : {}) } : {}),
    ...(extras ? { extras } : {}),
  };
  if (!allPassed(gates) || input.builtinOnly) return { gates, passed: allPassed(gates), ...base };

  if (input.overridden.length) {
    const skipped = target.gates
      .filter((g) => input.overridden.includes(g.name))
      .map((g) => passed(g.name, g.type, 'not run: overridden for this rollback (the environment name must be typed)'));
    gates.push(...skipped);
    logGates(services, skipped);
    return { gates, passed: true, ...base };
  }
  const context = gateContext(input, services, env, details);
  const [configured, approvals] = await Promise.all([
    runConfiguredGates(target.gates, context, services.gateRunner),
    request.mode === 'rollback' ? [] : approvalGates(target, digest, services, env, input.components),
  ]);
  gates.push(...configured, ...approvals);
  logGates(services, configured);
  return { gates, passed: allPassed(gates), ...base };
}

/** What configured gates know about the promotion: before the move (gates) and after it (verify). */
export function gateContext(
  input: Pick<EvaluationInput, 'request' | 'digest' | 'sourceRepo' | 'components'>,
  services: Pick<PromotionServices, 'log' | 'now' | 'evidence'>,
  env: Pick<PromotionEnvironment, 'trusted' | 'workspaceDir' | 'signal' | 'history'>,
  details: ImageDetails,
): GateContext {
  const { config, target, source } = input.request;
  const previous = previousEnvironment(config, target);
  return {
    sourceDigest: input.digest,
    sourceImage: repositoryName(input.sourceRepo),
    ...(source.kind === 'environment' ? { sourceEnvironment: source.environment.name } : {}),
    target,
    ...(previous ? { previousEnvironment: previous } : {}),
    workspaceDir: env.workspaceDir,
    trusted: env.trusted,
    log: services.log,
    ...(env.signal ? { signal: env.signal } : {}),
    image: () => Promise.resolve(details),
    ...(env.history ? { history: env.history } : {}),
    now: services.now ?? Date.now,
    ...(services.evidence ? { evidence: services.evidence(input.sourceRepo) } : {}),
    ...(input.components ? { components: input.components } : {}),
  };
}

/** Approval gates that ask more than the confirmation (count, from, allowSelf: false), counted now (approvalCount.ts). */
async function approvalGates(
  target: PromotionRequest['target'],
  digest: string,
  services: PromotionServices,
  env: Pick<PromotionEnvironment, 'signal' | 'promoter' | 'workspaceDir'>,
  components?: readonly ComponentFact[],
): Promise<GateResult[]> {
  const asking = target.gates.filter((g): g is ApprovalGateConfig => g.type === 'approval' && needsStoredApprovals(g));
  if (!asking.length) return [];
  let stored: readonly StoredApproval[] = [];
  let otherRelease: string[] = [];
  try {
    stored = services.readApprovals ? await services.readApprovals(target, digest, env.signal) : [];
    if (components) {
      // A release's approval counts only where it names every image's digest this promotion moves.
      const counted = approvalsOfRelease(stored, Object.fromEntries(components.map((c) => [c.name, c.digest])));
      otherRelease = stored.filter((a) => !counted.includes(a)).map((a) => a.by);
      stored = counted;
    }
  } catch (error) {
    if (isCancelled(error)) throw error;
    return asking.map((g) => errored(g.name, g.type, `the approvals given for ${shortDigest(digest)} could not be read: ${errorMessage(error)}`));
  }
  return Promise.all(
    asking.map(async (g) => {
      let signed: SignedBy | undefined;
      if (g.keys) {
        try {
          signed = { keys: await loadListedKeys(g.keys, env.workspaceDir), environment: target.name, digest };
        } catch (error) {
          // A key that cannot be loaded blocks: approvals are never counted unchecked.
          return errored(g.name, g.type, errorMessage(error));
        }
      }
      const result = approvalGateResult(g, countApprovals(g, stored, env.promoter, signed), { environment: target.name, digest });
      if (result.status === 'passed' || !otherRelease.length) return result;
      const note = `not counted: ${otherRelease.join(', ')} approved a release with other digests (only ${shortDigest(digest)} of the first image is the same)`;
      return { ...result, reason: `${result.reason}; ${note}`, details: [...(result.details ?? []), note] };
    }),
  );
}

function logGates(services: PromotionServices, results: readonly GateResult[]): void {
  for (const r of results)
    (r.status === 'passed' ? services.log.info : services.log.warn).call(services.log, `gate ${r.name} (${r.type}): ${r.status}: ${r.reason}`);
}
