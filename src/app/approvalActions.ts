// `image-promotion approve` and "Approve Build for Environment…": an approval of one digest for one
// environment, stored in that environment's registry (records/approvals.ts) for every editor and
// pipeline to count. The same step for both front ends.
import { componentsOf } from '../config/components';
import type { ApprovalGateConfig, EnvironmentConfig, PromotionConfig } from '../config/types';
import type { RegistryClient } from '../registry/registryClient';
import { PromotionError } from '../core/errors';
import { repositoryName, shortDigest } from '../core/reference';
import { approvalsTag, addApproval, type Approval } from '../records/approvals';
import { allowedBy } from '../gates/approvalCount';
import { loadListedKeys, signApproval } from '../evidence/approvalSignature';
import type { SigningKey } from '../evidence/keys';
import type { AppServices } from './services';

export interface GivenApproval {
  readonly approvals: readonly Approval[];
  readonly message: string;
}

/** The approver's private key (`--key`, else the signing key), and where the gates' key files are. */
export interface ApprovalSigning {
  readonly key?: SigningKey;
  readonly workspaceDir?: string;
}

/**
 * `components`: a release's every image digest (by name); stored on the first image's `digest`, the
 * approval then counts only for a promotion moving exactly these digests. `signing`: the approval is
 * signed with its key (what it says, components included).
 */
export async function approveBuild(
  app: Pick<AppServices, 'documents' | 'log'>,
  env: EnvironmentConfig,
  digest: string,
  by: string,
  signal?: AbortSignal,
  components?: Readonly<Record<string, string>>,
  signing: ApprovalSigning = {},
): Promise<GivenApproval> {
  const where = `${repositoryName(env.repository)}:${approvalsTag(env, digest)}`;
  const { key } = signing;
  let approvals: Approval[];
  try {
    approvals = await addApproval(
      app.documents,
      env,
      digest,
      by,
      signal,
      components,
      key ? (claim) => signApproval(claim, repositoryName(env.repository), key) : undefined,
    );
  } catch (error) {
    if (!(error instanceof PromotionError)) throw error;
    const hint =
      error.kind === 'unauthorized' || error.kind === 'denied'
        ? `An approval is a small artifact under ${where}: it needs push rights to ${repositoryName(env.repository)}.`
        : error.hint;
    throw new PromotionError(
      error.kind,
      `Could not store the approval of ${shortDigest(digest)} for ${env.name}: ${where} was not written (${error.message}). Nothing else changed.`,
      hint,
      {
        cause: error,
      },
    );
  }
  const signed = key ? `, signed with key ${key.keyId.slice(0, 12)}` : '';
  app.log.info(`approval of ${digest} for ${env.name} by ${by}${signed} stored at ${where}`);
  const gates = env.gates.filter((g) => g.type === 'approval');
  const unlisted = gates.filter((g) => !g.keys && !allowedBy(g, by)).map((g) => g.name);
  const notes = [
    ...(unlisted.length ? [`Note: ${by} is not among the approvers ${unlisted.join(', ')} allows, so it does not count there.`] : []),
    ...(await keyNotes(gates, key, signing.workspaceDir)),
  ];
  const all = approvals.map((a) => a.by).join(', ');
  const what = components
    ? `the release ${Object.entries(components)
        .map(([name, d]) => `${name} ${shortDigest(d)}`)
        .join(', ')}`
    : shortDigest(digest);
  return { approvals, message: [`${by} approved ${what} for ${env.name}${signed} (approvals stored: ${all}).`, ...notes].join(' ') };
}

/** What the approval is worth to gates that count only signed approvals: unsigned, or by a key they do not list. */
async function keyNotes(gates: readonly ApprovalGateConfig[], key: SigningKey | undefined, workspaceDir: string | undefined): Promise<string[]> {
  const withKeys = gates.filter((g) => g.keys);
  if (!withKeys.length) return [];
  if (!key)
    return [
      `Note: it is not signed, and ${withKeys.map((g) => g.name).join(', ')} counts only approvals signed by a listed key (approve with --key <private key>, or set a signing key).`,
    ];
  const notListed: string[] = [];
  for (const g of withKeys) {
    const listed = await loadListedKeys(g.keys!, workspaceDir).catch(() => undefined);
    if (listed && !listed.some((k) => k.key.hasKeyId(key.keyId))) notListed.push(g.name);
  }
  return notListed.length ? [`Note: key ${key.keyId.slice(0, 12)} is not among the keys ${notListed.join(', ')} lists, so it does not count there.`] : [];
}

/** A release build's every image digest (by name); a tag some image lacks is refused: an incomplete build is never approved. */
export async function releaseDigestsOf(
  registry: Pick<RegistryClient, 'resolve'>,
  config: PromotionConfig,
  tag: string,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const found = await Promise.all(componentsOf(config).map(async (c) => [c, (await registry.resolve(c.repository, tag, signal))?.digest] as const));
  const missing = found.filter(([, d]) => !d).map(([c]) => `${c.name} (${repositoryName(c.repository)})`);
  if (missing.length)
    throw new PromotionError(
      'not-found',
      `Build ${tag} is incomplete: ${missing.join(', ')} has no tag ${tag}. Only a build every image has can be approved; nothing was stored.`,
    );
  return Object.fromEntries(found.map(([c, d]) => [c.name, d!]));
}
