// "Export Admission Policy…": the environment, the kind (Kyverno or Sigstore policy-controller) and the
// public key file, then the policy's YAML in an untitled editor, to review and `kubectl apply`.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromotionConfig } from '../../config/types';
import { admissionPolicy, admissionPublicKey, type AdmissionPolicyKind } from '../../evidence/admissionPolicy';
import { loadVerifyingKey } from '../../evidence/keys';
import type { UserInteraction } from '../interaction';

export interface AdmissionPolicyDeps {
  readonly config: PromotionConfig;
  readonly workspaceDir: string;
  readonly interaction: () => UserInteraction;
}

const KINDS: readonly { readonly label: string; readonly detail: string; readonly value: AdmissionPolicyKind }[] = [
  { label: 'Kyverno', detail: 'a ClusterPolicy with verifyImages (kyverno.io/v1)', value: 'kyverno' },
  { label: 'Sigstore policy-controller', detail: 'a ClusterImagePolicy with a CUE policy (policy.sigstore.dev/v1beta1)', value: 'sigstore' },
];

/** Opens the YAML; undefined when the person escaped a question. A bad key is an error (the boundary shows it). */
export async function exportAdmissionPolicy(deps: AdmissionPolicyDeps): Promise<vscode.TextDocument | undefined> {
  const { config } = deps;
  const title = 'Export Admission Policy';
  const environment = await deps.interaction().pick(
    config.environments.map((e) => ({ label: e.name, description: `${e.image}:${e.tag}`, value: e })),
    { title, placeholder: 'The environment whose cluster admits only what was promoted into it' },
  );
  if (!environment) return undefined;
  const kind = await deps.interaction().pick(KINDS, { title, placeholder: 'The admission controller of that cluster' });
  if (!kind) return undefined;
  const known = config.promotionKeys?.[0];
  const file = await deps.interaction().pickFile({
    title: 'The public key promotions are signed with (PEM, as cosign.pub)',
    openLabel: 'Use This Key',
    filters: { 'Public keys': ['pub', 'pem'], 'All files': ['*'] },
    ...(known === undefined ? {} : { defaultFile: path.resolve(deps.workspaceDir, known) }),
  });
  if (!file) return undefined;
  await loadVerifyingKey(file); // size-capped, P-256: a clear error naming the file
  const policy = admissionPolicy(kind, config.environments, environment, admissionPublicKey(await readFile(file, 'utf8'), file));
  const document = await vscode.workspace.openTextDocument({ language: 'yaml', content: policy.yaml });
  await vscode.window.showTextDocument(document);
  for (const note of policy.notes) deps.interaction().inform(note);
  return document;
}
