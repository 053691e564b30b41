// A new window's environment lookups, sent at activation from the rows an earlier session showed
// (lastRows.ts), while the config is still being read: the first refresh takes their answers instead
// of asking again when its config names the same repository and tag. Its rows then come about one
// round trip after the remembered ones, not two (the connection was being opened meanwhile). Each
// answer is taken once, and only while young: an answer is never older than a refresh's own would be
// by more than the config's read.
import { repositoryName, type Repository } from '../core/reference';
import type { RegistryClient } from '../registry/registryClient';
import { lookupEnvironment, type Lookup } from './snapshot';

export interface LookupTarget {
  readonly repository: Repository;
  readonly tag: string;
}

/** How long an early answer may wait for the refresh that takes it. */
const MAX_AGE_MS = 5_000;

export class EarlyLookups {
  private readonly pending = new Map<string, { readonly sentAt: number; readonly lookup: Promise<Lookup> }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Sends the lookups (side by side; a failure is the answer the refresh would have had). */
  start(registry: RegistryClient, targets: readonly LookupTarget[]): void {
    for (const target of targets) {
      const key = keyOf(target);
      if (!this.pending.has(key)) this.pending.set(key, { sentAt: this.now(), lookup: lookupEnvironment(registry, target) });
    }
  }

  /** The early answer for this repository and tag, once; undefined: none, or too old (ask again). */
  take(target: LookupTarget): Promise<Lookup> | undefined {
    const key = keyOf(target);
    const early = this.pending.get(key);
    this.pending.delete(key);
    return early && this.now() - early.sentAt <= MAX_AGE_MS ? early.lookup : undefined;
  }
}

function keyOf(target: LookupTarget): string {
  return `${repositoryName(target.repository)}:${target.tag}`;
}
