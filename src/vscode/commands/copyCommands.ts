// "Copy Digest" and "Copy Pull Reference" on a row with a digest.
import * as vscode from 'vscode';
import { pullReference } from '../../core/reference';
import { digestOf, type PromotionNode } from '../tree/nodes';

export async function copyDigest(node?: PromotionNode): Promise<string | undefined> {
  const found = digestOf(node);
  if (!found) return undefined;
  await vscode.env.clipboard.writeText(found.digest);
  vscode.window.setStatusBarMessage(`Copied the digest of ${found.label}`, 3000);
  return found.digest;
}

export async function copyPullReference(node?: PromotionNode): Promise<string | undefined> {
  const found = digestOf(node);
  if (!found) return undefined;
  const reference = pullReference(found.repository, found.digest);
  await vscode.env.clipboard.writeText(reference);
  vscode.window.setStatusBarMessage(`Copied ${reference}`, 3000);
  return reference;
}
