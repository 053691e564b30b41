// Attestations kept in the registry in cosign's layout: add an envelope layer to the `sha256-<hex>.att`
// manifest beside what is there (read, append, PUT, look again: another writer may replace the tag
// between our read and our write: registry/sharedTag.ts, as for the referrers index in src/records), and read the envelopes
// of one predicate type back, capped in count and bytes.
import { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import { repositoryName, type Repository } from '../core/reference';
import type { RegistryClient } from '../registry/registryClient';
import { onceChunk, updateSharedTag } from '../registry/sharedTag';
import { mapLimit } from '../model/mapLimit';
import {
  ANNOTATION_PREDICATE_TYPE,
  attestationLayers,
  attestationManifest,
  attestationTag,
  envelopeLayer,
  MAX_ATTESTATION_LAYERS,
  type LayerDescriptor,
} from './attestationLayout';
import { DSSE_ENVELOPE_MEDIA_TYPE } from './dsse';

export interface RegistryAttestationsOptions {
  readonly registry: RegistryClient;
  readonly log: Logger;
  /** Attempts at the `.att` tag before giving up (default 5). */
  readonly attempts?: number;
  readonly pauseMs?: (attempt: number) => number;
  /** Bytes of the `.att` manifest / of one envelope at most (default 1 MiB / 256 KiB). */
  readonly maxManifestBytes?: number;
  readonly maxEnvelopeBytes?: number;
  /** Envelopes of the wanted predicate type read per digest at most, the last added first (default 50). */
  readonly maxEnvelopes?: number;
}

export interface ReadEnvelopes {
  /** Envelope bytes, the last added first. */
  readonly envelopes: Buffer[];
  /** Layers passed over, and why. */
  readonly skipped: string[];
  /** No `.att` tag at all. */
  readonly absent: boolean;
}

export interface ReadLayers {
  /** Each kept layer's descriptor (its annotations) and blob, the last added first. */
  readonly layers: readonly { readonly descriptor: LayerDescriptor; readonly bytes: Buffer }[];
  readonly skipped: string[];
  /** No such tag at all. */
  readonly absent: boolean;
}

/** Blobs of one tag read at once at most. */
const BLOBS_AT_ONCE = 8;

/** cosign's SIGNATURE_SPEC: one layer per signature, the signed payload as its blob. */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

/** cosign's signature tag of a digest: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

export class RegistryAttestations {
  constructor(private readonly options: RegistryAttestationsOptions) {}

  /** Adds `envelope` as a layer of `digest`'s `.att` manifest in `repo`. Throws PromotionError. */
  async add(repo: Repository, digest: string, envelope: Buffer, predicateType: string, signal?: AbortSignal): Promise<void> {
    const { registry, log } = this.options;
    const layer = envelopeLayer(envelope, predicateType);
    const upload = (blobDigest: string, bytes: Buffer): Promise<void> =>
      registry.uploadBlob(repo, blobDigest, bytes.length, onceChunk(bytes), signal ? { signal } : {});
    // A signed envelope holds a fresh record (its id, its time): never already there, so no HEAD first.
    // Its upload runs beside the first read of the tag and the config's upload; the manifest waits for it.
    const uploaded = upload(layer.digest, envelope);
    uploaded.catch(() => undefined); // awaited in write(); not an unhandled rejection meanwhile
    const tag = attestationTag(digest);
    await updateSharedTag({
      name: 'attestation',
      digest: layer.digest,
      where: `${repositoryName(repo)}:${tag}`,
      replaced: 'it',
      write: async () => {
        const existing = await this.layers(repo, tag, signal);
        if (existing.some((l) => l.digest === layer.digest)) return;
        if (existing.length >= MAX_ATTESTATION_LAYERS)
          throw new PromotionError(
            'refused',
            `${repositoryName(repo)}:${tag} already has ${existing.length} attestations; none is added past ${MAX_ATTESTATION_LAYERS}`,
          );
        const next = attestationManifest([...existing, layer]);
        // The config lists every layer's digest: new whenever the layers are, so uploaded without a HEAD.
        await Promise.all([uploaded, upload(next.config.digest, next.config.bytes)]);
        await registry.writeManifest(repo, tag, next.manifest, signal);
      },
      listed: async () => (await this.layers(repo, tag, signal)).some((l) => l.digest === layer.digest),
      final: (error) => error instanceof NotAttestationsError,
      log,
      ...(this.options.attempts !== undefined ? { attempts: this.options.attempts } : {}),
      ...(this.options.pauseMs ? { pauseMs: this.options.pauseMs } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * The envelopes of `predicateType` (by the layer's annotation; undefined: every envelope) on `digest`
   * in `repo`. The annotation is not signed: a reader checks the Statement's own predicateType.
   * Throws PromotionError when the registry cannot be read.
   */
  async read(repo: Repository, digest: string, predicateType: string | undefined, signal?: AbortSignal): Promise<ReadEnvelopes> {
    const found = await this.readLayers(
      repo,
      attestationTag(digest),
      (l) => l.mediaType === DSSE_ENVELOPE_MEDIA_TYPE && (predicateType === undefined || l.annotations?.[ANNOTATION_PREDICATE_TYPE] === predicateType),
      signal,
    );
    return { envelopes: found.layers.map((l) => l.bytes), skipped: found.skipped, absent: found.absent };
  }

  /** cosign's simple-signing layers of the `sha256-<hex>.sig` tag of `digest`, with the same caps. */
  async readSignatures(repo: Repository, digest: string, signal?: AbortSignal): Promise<ReadLayers> {
    return this.readLayers(repo, signatureTag(digest), (l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE, signal);
  }

  /** The layers of `tag` that `accept` keeps, the last added first, their blobs read up to the caps. */
  private async readLayers(repo: Repository, tag: string, accept: (layer: LayerDescriptor) => boolean, signal?: AbortSignal): Promise<ReadLayers> {
    const found = await this.options.registry.getManifest(repo, tag, signal);
    if (!found) return { layers: [], skipped: [], absent: true };
    const skipped: string[] = [];
    let parsed: readonly LayerDescriptor[];
    try {
      parsed = this.parse(repo, tag, found.bytes);
    } catch (error) {
      if (!(error instanceof NotAttestationsError)) throw error;
      return { layers: [], skipped: [error.message], absent: false };
    }
    const max = this.options.maxEnvelopes ?? 50;
    const maxBytes = this.options.maxEnvelopeBytes ?? 256 * 1024;
    const ours = parsed.filter(accept).reverse();
    if (ours.length > max) skipped.push(`${ours.length - max} older layers past the ${max} read`);
    // Side by side (a few at a time), in order: a digest promoted through three environments has three.
    const read = await mapLimit(ours.slice(0, max), BLOBS_AT_ONCE, async (layer) =>
      layer.size > maxBytes ? { layer, declared: true as const } : { layer, bytes: await this.readBlob(repo, layer.digest, maxBytes, signal) },
    );
    const layers: { descriptor: LayerDescriptor; bytes: Buffer }[] = [];
    for (const r of read) {
      if ('declared' in r) skipped.push(`${r.layer.digest}: ${r.layer.size} bytes, more than ${maxBytes}`);
      else if (r.bytes) layers.push({ descriptor: r.layer, bytes: r.bytes });
      else skipped.push(`${r.layer.digest}: more than ${maxBytes} bytes`);
    }
    return { layers, skipped, absent: false };
  }

  private async layers(repo: Repository, tag: string, signal?: AbortSignal): Promise<LayerDescriptor[]> {
    const found = await this.options.registry.getManifest(repo, tag, signal);
    return found ? [...this.parse(repo, tag, found.bytes)] : [];
  }

  private parse(repo: Repository, tag: string, bytes: Buffer): readonly LayerDescriptor[] {
    const max = this.options.maxManifestBytes ?? 1024 * 1024;
    if (bytes.length > max)
      throw new NotAttestationsError(
        'protocol',
        `${repositoryName(repo)}:${tag} is ${bytes.length} bytes, more than the ${max} an attestation manifest may have here`,
      );
    const parsed = attestationLayers(bytes);
    // Something this project cannot read under that tag is never overwritten.
    if (!parsed.layers) throw new NotAttestationsError('protocol', `${repositoryName(repo)}:${tag} is left alone: ${parsed.reason}`);
    return parsed.layers;
  }

  /** The blob, or undefined past `max` bytes (what was read is dropped, the connection released). */
  private async readBlob(repo: Repository, digest: string, max: number, signal?: AbortSignal): Promise<Buffer | undefined> {
    const blob = await this.options.registry.openBlob(repo, digest, signal);
    const chunks: Uint8Array[] = [];
    let read = 0;
    try {
      if (blob.size > max) return undefined;
      for await (const chunk of blob.stream) {
        read += chunk.length;
        if (read > max) return undefined;
        chunks.push(chunk);
      }
    } finally {
      await blob.cancel();
    }
    return Buffer.concat(chunks);
  }
}

/** The `.att` tag holds what this project cannot read: never overwritten, never retried. */
class NotAttestationsError extends PromotionError {}
