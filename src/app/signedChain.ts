// The signed promotion chain of a digest in words, for a front end that shows it (the Environments
// row's word and tooltip): checked against the config's promotionKeys; nothing to say when it lists none.
import * as path from 'node:path';
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { anyOfKeys, loadVerifyingKey } from '../evidence/keys';
import { RegistryAttestations } from '../evidence/registryAttestations';
import { linkInto, type ChainLink, type ChainResult } from '../evidence/verifyChain';
import { repositoryName } from '../core/reference';
import { RECORD_PREDICATE_TYPE } from '../records/recordArtifact';
import type { RegistryClient } from '../registry/registryClient';

export function signedChainText(result: ChainResult): string {
  if (!result.broken) return `Signed, promoted through ${result.links.map((l) => l.environment).join(' → ')}`;
  return `Not signed as promoted: ${result.broken.environment}: ${result.broken.problem}`;
}

/** A row's signed state in a few words: `signed`, `unsigned: no attestation into staging`. */
export function signedChainWord(result: ChainResult): string {
  if (!result.broken) return 'signed';
  const into = result.broken.environment;
  return result.broken.unsigned ? `unsigned: no attestation into ${into}` : `unsigned: no valid attestation into ${into}`;
}

interface RowState {
  readonly word: string;
  /** The refresh it was computed in: the row is checked again at the next one. */
  readonly generation: number;
}

const MAX_ENTRIES = 500;

/**
 * The Environments rows' signed state, known without making a refresh wait: a row shows what was
 * last found and is checked again in the background after each refresh (an attestation may have been
 * added, a key file replaced). A digest's attestations change only by additions, so a valid link (this
 * digest, into this environment, by these keys) is kept and never read again: a refresh of signed rows
 * reads the key files and asks the registry nothing; a row not signed reads only its missing links.
 * The row's tooltip (`line`) reads through the same links when it opens.
 */
export class SignedChains {
  private readonly rows = new Map<string, RowState>();
  private readonly validLinks = new Set<string>();
  private readonly checking = new Set<string>();
  private generation = 0;
  private lastSeen: object | undefined;

  constructor(
    private readonly deps: { readonly registry: RegistryClient; readonly log: Logger },
    /** Called when a row's word is known or changed (the tree redraws). */
    private readonly changed: () => void,
  ) {}

  /** The rows drawn come from `snapshot`: when it is a new one (a refresh), rows are checked again. */
  seen(snapshot: object): void {
    if (snapshot === this.lastSeen) return;
    this.lastSeen = snapshot;
    this.generation++;
  }

  /** The row's word as last known (undefined: no promotionKeys, or not known yet); starts a check when due. */
  word(config: PromotionConfig, workspaceDir: string, environment: string, digest: string): string | undefined {
    const files = config.promotionKeys ?? [];
    const chain = chainInto(config, environment);
    if (files.length === 0 || !chain) return undefined;
    const key = [workspaceDir, files.join('\n'), ...chain.map(linkPlace), digest].join('\u0000');
    const known = this.rows.get(key);
    const due = !known || known.generation < this.generation;
    if (due && !this.checking.has(key)) {
      this.checking.add(key);
      const generation = this.generation;
      void this.check(
        files.map((f) => path.resolve(workspaceDir, f)),
        chain,
        digest,
      )
        .then((state) => {
          remember(this.rows, key, { ...state, generation });
          if (state.word !== known?.word) this.changed();
        })
        .finally(() => this.checking.delete(key));
    }
    return known?.word;
  }

  /**
   * The tooltip's line on `digest` in `environment` (undefined when the config lists no promotionKeys).
   * The same links as the row's word: a valid link already known is not read again. Never throws.
   */
  async line(config: PromotionConfig, workspaceDir: string, environment: string, digest: string, signal?: AbortSignal): Promise<string | undefined> {
    const files = config.promotionKeys ?? [];
    const chain = chainInto(config, environment);
    if (files.length === 0 || !chain) return undefined;
    try {
      return signedChainText(
        await this.chain(
          files.map((f) => path.resolve(workspaceDir, f)),
          chain,
          digest,
          signal,
        ),
      );
    } catch (error) {
      return `Signatures not checked: ${errorMessage(error)}`;
    }
  }

  /** The row's word from its chain. Never throws. */
  private async check(keyFiles: readonly string[], chain: readonly EnvironmentConfig[], digest: string): Promise<{ word: string }> {
    try {
      return { word: signedChainWord(await this.chain(keyFiles, chain, digest)) };
    } catch (error) {
      this.deps.log.debug(`signatures of ${digest} not checked: ${errorMessage(error)}`);
      return { word: 'signatures not checked' };
    }
  }

  /** Every link of the chain not known valid read side by side, each valid one remembered. Throws when a key file cannot be read. */
  private async chain(keyFiles: readonly string[], chain: readonly EnvironmentConfig[], digest: string, signal?: AbortSignal): Promise<ChainResult> {
    const keys = await Promise.all(keyFiles.map((f) => loadVerifyingKey(f)));
    const key = anyOfKeys(keys);
    const keyIds = keys.map((k) => k.keyId).join(',');
    const store = new RegistryAttestations(this.deps);
    const links = await Promise.all(
      chain.map(async (env): Promise<ChainLink> => {
        const id = `${keyIds}\u0000${linkPlace(env)}\u0000${digest}`;
        if (this.validLinks.has(id)) return { environment: env.name };
        const link = linkInto(env, digest, key, await store.read(env.repository, digest, RECORD_PREDICATE_TYPE, signal));
        if (!link.problem) remember(this.validLinks, id);
        return link;
      }),
    );
    const broken = links.find((l) => l.problem);
    return { digest, links, ...(broken ? { broken } : {}) };
  }
}

/** The config's environments from the first to `environment` (undefined: no such environment). */
function chainInto(config: PromotionConfig, environment: string): readonly EnvironmentConfig[] | undefined {
  const end = config.environments.findIndex((e) => e.name === environment);
  return end < 0 ? undefined : config.environments.slice(0, end + 1);
}

/** An environment's name, tag and repository: a link is into exactly that. */
function linkPlace(env: EnvironmentConfig): string {
  return `${env.name}\u0000${env.tag}\u0000${repositoryName(env.repository)}`;
}

/** Bounded: the oldest entry goes first. */
function remember<T>(into: Map<string, T> | Set<string>, key: string, value?: T): void {
  into.delete(key);
  if (into instanceof Map) into.set(key, value as T);
  else into.add(key);
  if (into.size > MAX_ENTRIES) into.delete(into.keys().next().value as string);
}
