// A hold stops every promotion into an environment, for the whole team: a small document under the tag
// `<environment tag>.hold` in the environment's repository (sharedDocuments.ts). Releasing writes a
// `released` document in its place (Distribution may refuse DELETE, and who released it is worth
// keeping). A rollback goes through a hold; `promote --auto` never moves a held environment, nor the
// digest a hold names.
import type { EnvironmentConfig } from '../config/types';
import { shortDigest } from '../core/reference';
import { documentTag, type SharedDocuments } from './sharedDocuments';

export interface HoldDocument {
  readonly state: 'held' | 'released';
  readonly environment: string;
  /** Who placed (or released) it: a name, an e-mail, or `verification` when a failed verification placed it. */
  readonly by: string;
  /** ISO time it was placed (or released). */
  readonly at: string;
  readonly reason: string;
  /** The bad digest, when the hold names one (a failed verification, a rollback). */
  readonly digest?: string;
  /** For a `released` document: the hold it ended. */
  readonly released?: { readonly by: string; readonly at: string; readonly reason: string; readonly digest?: string };
}

export function holdTag(env: Pick<EnvironmentConfig, 'tag'>): string {
  return documentTag(env.tag, 'hold');
}

export function parseHold(json: unknown): HoldDocument | undefined {
  const j = json as Partial<Record<keyof HoldDocument, unknown>> | null;
  if (!j || typeof j !== 'object') return undefined;
  if ((j.state !== 'held' && j.state !== 'released') || typeof j.environment !== 'string' || typeof j.by !== 'string' || typeof j.at !== 'string')
    return undefined;
  if (typeof j.reason !== 'string' || (j.digest !== undefined && typeof j.digest !== 'string')) return undefined;
  return j as HoldDocument;
}

/** The environment's hold document (held or released), or undefined when none was ever placed. Throws PromotionError. */
export async function readHold(store: SharedDocuments, env: EnvironmentConfig, signal?: AbortSignal): Promise<HoldDocument | undefined> {
  const read = await store.read(env.repository, holdTag(env), 'hold', parseHold, signal);
  // A hold of another environment sharing the tag (the same repository and tag twice) is not ours.
  return read?.document.environment === env.name ? read.document : undefined;
}

export async function placeHold(
  store: SharedDocuments,
  env: EnvironmentConfig,
  hold: { by: string; reason: string; digest?: string; at?: string },
  signal?: AbortSignal,
): Promise<HoldDocument> {
  const document: HoldDocument = {
    state: 'held',
    environment: env.name,
    by: hold.by,
    at: hold.at ?? new Date().toISOString(),
    reason: hold.reason,
    ...(hold.digest ? { digest: hold.digest } : {}),
  };
  await store.write(env.repository, holdTag(env), 'hold', document, signal);
  return document;
}

/** Releases the hold; undefined when the environment was not held (nothing is written then). */
export async function releaseHold(
  store: SharedDocuments,
  env: EnvironmentConfig,
  by: string,
  signal?: AbortSignal,
  at = new Date().toISOString(),
): Promise<HoldDocument | undefined> {
  const current = await readHold(store, env, signal);
  if (current?.state !== 'held') return undefined;
  const document: HoldDocument = {
    state: 'released',
    environment: env.name,
    by,
    at,
    reason: `released the hold ${current.by} placed at ${current.at}`,
    ...(current.digest ? { digest: current.digest } : {}),
    released: { by: current.by, at: current.at, reason: current.reason, ...(current.digest ? { digest: current.digest } : {}) },
  };
  await store.write(env.repository, holdTag(env), 'hold', document, signal);
  return document;
}

/** In words: `held by Ana since 2026-12-07T01:00:00Z: database migration` (names the digest when it has one). */
export function describeHold(hold: HoldDocument): string {
  return `held by ${hold.by} since ${hold.at}: ${hold.reason}${hold.digest ? ` (names ${shortDigest(hold.digest)})` : ''}`;
}

export function isHeld(hold: HoldDocument | undefined): hold is HoldDocument & { state: 'held' } {
  return hold?.state === 'held';
}
