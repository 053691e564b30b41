// Our side: the extension's real core (registry client, credentials, dockerode engine) with the
// registry client wrapped to count sequential round trips, one core per profile so its connections
// — and, as in the extension, where blobs were seen (kept on disk) — are kept across rounds. The
// peers keep theirs too: skopeo's blob-info cache persists across its runs on the machine.
import { join } from 'node:path';
import { DetailsStore } from '../../src/images/detailsStore';
import { BlobLocations, recordingBlobLocations } from '../../src/registry/blobLocations';
import { ImageDetailsCache } from '../../src/images/imageDetails';
import type { PromotionConfig } from '../../src/config/types';
import { promote } from '../../src/promotion/promote';
import type { PromotionServices, PromotionSource } from '../../src/promotion/promotionTypes';
import type { SnapshotServices } from '../../src/model/snapshot';
import { makeTempDir, type TestServices } from '../harness';
import { countingRegistry, type RegistryCalls } from '../integration/countingRegistry';
import { env, environmentFor, makeCore, ScriptedPrompts } from '../integration/support';

export interface BenchCore {
  readonly promotion: PromotionServices;
  readonly snapshot: SnapshotServices;
  readonly counting: RegistryCalls;
}

export function benchCore(svc: TestServices): BenchCore {
  const core = makeCore(svc);
  // As composeServices builds it: every manifest read records where its blobs are.
  const blobLocations = new BlobLocations({ file: join(makeTempDir('bench-blob-locations'), 'blob-locations.json') });
  const counting = countingRegistry(recordingBlobLocations(core.services.registry, blobLocations));
  // As the extension's container builds it: details and build tags' digests kept (in memory here).
  const details = new ImageDetailsCache(counting.registry, undefined, new DetailsStore());
  const describe = details.get.bind(details);
  return {
    promotion: { ...core.services, registry: counting.registry, describe, blobLocations },
    snapshot: { ...core.snapshotServices, registry: counting.registry, describe, details },
    counting,
  };
}

/** One promotion with no gates, confirmed at once; verification included. Throws unless it succeeded. */
export async function promoteOnce(
  core: BenchCore,
  config: PromotionConfig,
  source: PromotionSource,
  target: string,
  expectTransport?: 'engine' | 'registry',
): Promise<{ roundTrips: number; calls: string[] }> {
  core.counting.reset();
  const outcome = await promote({ config, source, target: env(config, target) }, core.promotion, environmentFor(new ScriptedPrompts()));
  if (outcome.status !== 'succeeded') throw new Error(`promotion into ${target} ${outcome.status}: ${outcome.message}`);
  if (expectTransport && outcome.transport !== expectTransport)
    throw new Error(`promotion went through ${outcome.transport}, the case measures ${expectTransport}`);
  return { roundTrips: core.counting.roundTrips(), calls: [...core.counting.calls] };
}
