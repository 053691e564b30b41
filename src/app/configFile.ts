// From a config file's text to the state both front ends work from. The folder the file is in (or
// the workspace folder holding it) is where the history file and command gates resolve.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { keyFilesIn } from '../config/approverKeys';
import { parsePromotionConfig } from '../config/parseConfig';
import type { ConfigDiagnostic } from '../config/types';
import type { ConfigState } from '../model/promotionModel';

export type LoadedConfig = Exclude<ConfigState, { kind: 'no-workspace' }>;

/** `text` undefined: the file could not be read. `workspaceDir` defaults to the file's folder. */
export function configStateFor(
  file: string,
  text: string | undefined,
  workspaceDir: string = path.dirname(file),
): { state: LoadedConfig; diagnostics: readonly ConfigDiagnostic[] } {
  if (text === undefined) return { state: { kind: 'no-config', file }, diagnostics: [] };
  const parsed = parsePromotionConfig(text, keyFilesIn(workspaceDir));
  if (!parsed.config) return { state: { kind: 'invalid', file, diagnostics: parsed.diagnostics }, diagnostics: parsed.diagnostics };
  return { state: { kind: 'ready', file, config: parsed.config, workspaceDir }, diagnostics: parsed.diagnostics };
}

/** Reads and parses a config file from disk (the CLI; the extension reads through VS Code's file system). */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  const text = await readFile(absolute, 'utf8').catch(() => undefined);
  return configStateFor(absolute, text).state;
}

/** One line per error, `file:line:column: message`, the way compilers print them. */
export function diagnosticLines(file: string, diagnostics: readonly ConfigDiagnostic[]): string[] {
  return diagnostics.filter((d) => d.severity === 'error').map((d) => `${file}:${d.range.startLine + 1}:${d.range.startColumn + 1}: ${d.message}`);
}
