// `policy kyverno|sigstore --environment <env> --key <pub>`: the admission policy that makes a cluster
// admit only images signed as promoted into <env>, as YAML on stdout (kubectl apply -f -). Nothing is
// read from the registry; the key is checked to be a P-256 public key before anything is printed.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { loadVerifyingKey } from '../../evidence/keys';
import { ADMISSION_POLICY_KINDS, admissionPolicy, admissionPublicKey, type AdmissionPolicyKind } from '../../evidence/admissionPolicy';
import type { CliContext } from '../context';
import { environmentNamed } from '../context';
import { CliError, EXIT, type ExitCode } from '../exitCodes';

export interface PolicyOptions {
  readonly environment: string;
  readonly key?: string;
}

/** --key, else the config's only promotionKeys entry (relative to its folder). */
function keyFile(ctx: CliContext, file: string | undefined): string {
  if (file) return file;
  const files = ctx.config.promotionKeys ?? [];
  if (files.length !== 1)
    throw new CliError(
      `policy needs the public key promotions are signed with: --key <file>${files.length > 1 ? ' (promotionKeys lists several)' : ', or one key in promotionKeys'}.`,
      EXIT.usage,
    );
  return path.resolve(ctx.workspaceDir, files[0]!);
}

export async function policy(ctx: CliContext, kind: string, options: PolicyOptions): Promise<ExitCode> {
  if (!(ADMISSION_POLICY_KINDS as readonly string[]).includes(kind))
    throw new CliError(`policy takes ${ADMISSION_POLICY_KINDS.join(' or ')}, not "${kind}".`, EXIT.usage);
  const target = environmentNamed(ctx.config, options.environment);
  const file = keyFile(ctx, options.key);
  await loadVerifyingKey(file); // size-capped, readable, P-256: PromotionError('config'), exit 2
  const text = await readFile(file, 'utf8');
  const result = admissionPolicy(kind as AdmissionPolicyKind, ctx.config.environments, target, admissionPublicKey(text, file));
  for (const note of result.notes) ctx.out.message(`Note: ${note}`);
  ctx.out.result(result.yaml.trimEnd().split('\n'), { kind, environment: target.name, yaml: result.yaml, notes: result.notes });
  return EXIT.ok;
}
