// How each registry asked to be authenticated, kept between sessions beside the image details cache.
// A session learnt it from its first 401: a new window's first lookups were answered 401, then a
// token was fetched, then they were sent again (three round trips before the handshakes). With the
// challenge remembered, the token is fetched first (two). Only where to get tokens is kept (scheme,
// realm, service), never a token or a credential; the realm is validated at every use as a learnt
// one is (origin.ts validateRealm). Bounded; a missing or corrupt file is an empty memory, never an
// error; a write replaces the file whole (cacheFile.ts).
import { readCacheFile, writeCacheFile } from '../../core/cacheFile';
import type { Logger } from '../../core/log';
import { LruMap } from '../../core/lruMap';
import type { Challenge } from '../authChallenge';

/** What a transport asks of it (the auth's view). */
export interface ChallengeMemory {
  /** Resolves once the file has been read (at once after that). Never rejects. */
  load(): Promise<void>;
  get(registry: string): Challenge | undefined;
  remember(registry: string, challenge: Challenge): void;
  forget(registry: string): void;
}

export interface RememberedChallengesOptions {
  /** Undefined: kept in memory only. */
  readonly file?: string;
  readonly log?: Logger;
  /** Registries kept, the most recently learnt (default 100). */
  readonly maxRegistries?: number;
}

const VERSION = 1;
const MAX_FILE_BYTES = 256 * 1024;
/** The parameters that say where to get a token; `scope` and `error` belong to one request. */
const KEPT_PARAMS = ['realm', 'service'] as const;

export class RememberedChallenges implements ChallengeMemory {
  /** The most recently learnt last. */
  private readonly challenges: LruMap<string, Challenge>;
  private loaded: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: RememberedChallengesOptions = {}) {
    this.challenges = new LruMap(options.maxRegistries ?? 100);
  }

  load(): Promise<void> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  get(registry: string): Challenge | undefined {
    return this.challenges.peek(registry);
  }

  remember(registry: string, challenge: Challenge): void {
    const kept = keptChallenge(challenge);
    if (!kept) return;
    const known = this.challenges.peek(registry);
    if (known && sameChallenge(known, kept)) return;
    this.challenges.set(registry, kept);
    this.save();
  }

  forget(registry: string): void {
    if (this.challenges.delete(registry)) this.save();
  }

  /** Resolves when the writes asked so far are done (tests). */
  flushed(): Promise<void> {
    return this.writing;
  }

  private async read(): Promise<void> {
    const file = this.options.file;
    if (!file) return;
    const read = await readCacheFile(file, MAX_FILE_BYTES);
    if (read.kind === 'missing') return;
    if (read.kind !== 'parsed') {
      this.options.log?.warn(`the remembered registry challenges ${file} ${read.reason}: each registry's first request learns its own`);
      return;
    }
    const value = read.value as { version?: unknown; challenges?: unknown };
    if (value?.version !== VERSION || !Array.isArray(value.challenges)) return;
    for (const entry of value.challenges as unknown[]) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const kept = keptChallenge(entry[1]);
      // Learnt in this session while the file was read: the newer one stays.
      if (kept && !this.challenges.has(entry[0])) this.challenges.set(entry[0], kept);
    }
  }

  private save(): void {
    const file = this.options.file;
    if (!file) return;
    this.writing = this.writing
      .then(() => writeCacheFile(file, { version: VERSION, challenges: [...this.challenges.entries()] }))
      .catch((error: Error) => this.options.log?.warn(`the registry challenges could not be kept in ${file}: ${error.message}`));
  }
}

/** The challenge as kept: bearer with its realm and service, or basic; anything else is not kept. */
function keptChallenge(value: unknown): Challenge | undefined {
  const c = value as Challenge | undefined;
  if (!c || (c.scheme !== 'bearer' && c.scheme !== 'basic') || typeof c.params !== 'object' || c.params === null) return undefined;
  if (c.scheme === 'basic') return { scheme: 'basic', params: {} };
  const params: Record<string, string> = {};
  for (const name of KEPT_PARAMS) if (typeof c.params[name] === 'string') params[name] = c.params[name];
  return params['realm'] ? { scheme: 'bearer', params } : undefined;
}

function sameChallenge(a: Challenge, b: Challenge): boolean {
  return a.scheme === b.scheme && KEPT_PARAMS.every((name) => a.params[name] === b.params[name]);
}
