// An approval gate's `from` may list public keys instead of names: then only approvals signed by one
// of them count (evidence/approvalSignature.ts). Each key is checked where the config names it: PEM
// text always, a file when the config is read from a folder (a missing, unreadable or non-public key
// file is an error at its line, not a gate that quietly counts nothing).
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../core/errors';
import { isKeyEntry } from '../evidence/approvalSignature';
import { firstPemBlock, isInlineKey, MAX_KEY_FILE_BYTES, verifyingKeyFrom } from '../evidence/keys';
import type { ConfigFiles, Reporter } from './gates';
import { formatPath, type PathSegment } from './yamlSource';

export function checkApproverKeys(from: readonly unknown[], at: readonly PathSegment[], report: Reporter, files: ConfigFiles | undefined): void {
  const entries = from
    .map((entry, i) => ({ entry, where: [...at, 'from', i] }))
    .filter((e): e is { entry: string; where: PathSegment[] } => typeof e.entry === 'string');
  if (!entries.some((e) => isKeyEntry(e.entry))) return;
  const keyIds = new Map<string, number>();
  for (const { entry, where } of entries) {
    const shown = formatPath(where);
    if (!isKeyEntry(entry)) {
      report.error(
        where,
        'value',
        `${shown}: "${entry}" is a name, but from also lists public keys; with keys an approval counts by its signature, so list only keys (the approver's name is signed with the approval)`,
      );
      continue;
    }
    let text: string;
    if (isInlineKey(entry)) text = entry;
    else if (!files) continue;
    else {
      try {
        text = files.readKey(entry.trim());
      } catch (error) {
        report.error(
          where,
          'value',
          `${shown}: the key file ${entry.trim()} cannot be read (${errorMessage(error)}); from lists the approvers' public keys (as cosign.pub), relative to the workspace folder`,
        );
        continue;
      }
    }
    const name = isInlineKey(entry) ? 'the key' : entry.trim();
    const type = firstPemBlock(text)?.type;
    if (type && type !== 'PUBLIC KEY') {
      report.error(
        where,
        'value',
        `${shown}: ${name} holds a ${type}, not a public key; list the approver's public key (as cosign.pub), never the private one`,
      );
      continue;
    }
    try {
      const key = verifyingKeyFrom(text, name);
      const i = where.at(-1) as number;
      const first = keyIds.get(key.keyId);
      if (first === undefined) keyIds.set(key.keyId, i);
      else report.error(where, 'value', `${shown}: ${name} is the same key as from[${first}]; approvers are counted by key, each key once`);
    } catch (error) {
      report.error(where, 'value', `${shown}: ${errorMessage(error)}`);
    }
  }
}

/** Key files relative to `folder` (the workspace folder), read as the config is checked. */
export function keyFilesIn(folder: string): ConfigFiles {
  return {
    readKey(file) {
      const absolute = path.resolve(folder, file);
      let size: number;
      try {
        size = statSync(absolute).size;
      } catch (error) {
        throw new Error((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((error as NodeJS.ErrnoException).code ?? 'error'), {
          cause: error,
        });
      }
      if (size > MAX_KEY_FILE_BYTES) throw new Error(`it is ${size} bytes: not a PEM key`);
      try {
        return readFileSync(absolute, 'utf8');
      } catch (error) {
        throw new Error((error as NodeJS.ErrnoException).code ?? 'error', { cause: error });
      }
    },
  };
}
