// Typed access to the extension's settings (contributes.configuration in package.json).
import * as vscode from 'vscode';
import { DEFAULT_CONFIG_FILE } from '../config/types';
import type { TransportSetting } from '../promotion/transport';
import { parseRecordsSetting, type RecordsSetting } from '../records/promotionRecords';

const SECTION = 'imagePromotion';

export interface Settings {
  configFile(folder?: vscode.Uri): string;
  dockerHost(): string;
  refreshIntervalSeconds(): number;
  insecureRegistries(): readonly string[];
  lookupTimeoutMs(): number;
  historyFile(): string | undefined;
  transport(): TransportSetting;
  records(): RecordsSetting;
}

export const settings: Settings = {
  configFile: (folder) => vscode.workspace.getConfiguration(SECTION, folder).get<string>('configFile')?.trim() || DEFAULT_CONFIG_FILE,
  dockerHost: () => vscode.workspace.getConfiguration(SECTION).get<string>('dockerHost')?.trim() ?? '',
  refreshIntervalSeconds: () => Math.max(0, vscode.workspace.getConfiguration(SECTION).get<number>('refreshInterval') ?? 60),
  insecureRegistries: () => vscode.workspace.getConfiguration(SECTION).get<string[]>('insecureRegistries') ?? [],
  lookupTimeoutMs: () => Math.max(1, vscode.workspace.getConfiguration(SECTION).get<number>('lookupTimeoutSeconds') ?? 15) * 1000,
  historyFile: () => vscode.workspace.getConfiguration(SECTION).get<string>('historyFile')?.trim() || undefined,
  transport: () => {
    const value = vscode.workspace.getConfiguration(SECTION).get<string>('transport');
    return value === 'engine' || value === 'registry' ? value : 'auto';
  },
  records: () => parseRecordsSetting(vscode.workspace.getConfiguration(SECTION).get<string>('records')),
};

export function affectsSetting(event: vscode.ConfigurationChangeEvent, name: string): boolean {
  return event.affectsConfiguration(`${SECTION}.${name}`);
}
