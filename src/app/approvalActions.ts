// `image-promotion approve` and "Approve Build for Environment…": an approval of one digest for one
// environment, stored in that environment's registry (records/approvals.ts) for every editor and
// pipeline to count. The same step for both front ends.
import type { EnvironmentConfig } from '../config/types';
import { PromotionError } from '../core/errors';
import { repositoryName, shortDigest } from '../core/reference';
import { approvalsTag, addApproval, type Approval } from '../records/approvals';
import { allowedBy } from '../gates/approvalCount';
import type { AppServices } from './services';

export interface GivenApproval {
  readonly approvals: readonly Approval[];
  readonly message: string;
}

export async function approveBuild(
  app: Pick<AppServices, 'documents' | 'log'>,
  env: EnvironmentConfig,
  digest: string,
  by: string,
  signal?: AbortSignal,
): Promise<GivenApproval> {
  const where = `${repositoryName(env.repository)}:${approvalsTag(env, digest)}`;
  let approvals: Approval[];
  try {
    approvals = await addApproval(app.documents, env, digest, by, signal);
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
  app.log.info(`approval of ${digest} for ${env.name} by ${by} stored at ${where}`);
  const gates = env.gates.filter((g) => g.type === 'approval');
  const unlisted = gates.filter((g) => !allowedBy(g, by)).map((g) => g.name);
  const note = unlisted.length ? ` Note: ${by} is not among the approvers ${unlisted.join(', ')} allows, so it does not count there.` : '';
  const all = approvals.map((a) => a.by).join(', ');
  return { approvals, message: `${by} approved ${shortDigest(digest)} for ${env.name} (approvals stored: ${all}).${note}` };
}
