// Caps on every body read from a registry or token service. A body past its cap fails the request
// with a clear error after at most cap bytes were held: bodies are read as streams with a counter,
// never with arrayBuffer()/json() on an unbounded answer.
import { PromotionError } from '../../core/errors';

const KiB = 1024;
const MiB = 1024 * KiB;

export const BodyLimits = {
  /** containerd refuses larger manifests, and registries must accept at least this much. */
  manifest: 4 * MiB,
  /** A token answer is a JWT and a few fields. */
  token: 256 * KiB,
  /** One page of a tag list (1,000 tags of up to 128 characters, or a registry that ignores `n`). */
  tagPage: 8 * MiB,
  /** An OCI index of referrers. */
  referrers: 4 * MiB,
  /** Small blobs read whole (image configs); large ones are streamed (openBlob). */
  blob: 16 * MiB,
  /** Error bodies: only the first lines are ever shown. */
  errorBody: 64 * KiB,
} as const;

function size(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}

export function tooLarge(registry: string, what: string, cap: number): PromotionError {
  return new PromotionError(
    'protocol',
    `${registry} sent more than ${size(cap)} for ${what}, more than any valid one holds; the answer was refused`,
    'The registry or a proxy in front of it answers something else than the Distribution API.',
  );
}

/** The whole body, or PromotionError('protocol') as soon as it passes `cap` bytes (the rest is not read). */
export async function readCapped(res: Response, cap: number, registry: string, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(registry, what, cap);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(registry, what, cap);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** At most `cap` bytes of the body as text, for an error message; never throws, drops the rest. */
export async function readPrefix(res: Response, cap: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < cap) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch {
    // a body cut short still tells something
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}
