// Typed access to the extension's settings (contributes.configuration in package.json).
import * as vscode from 'vscode';
import { cachedReads } from '../core/cachedReads';
import { DEFAULT_CONFIG_FILE } from '../config/types';
import type { TransportSetting } from '../promotion/transport';
import type { ProxySetting } from '../registry/transport/proxy';
import { SECTION, insecureRegistries, proxySetting, restricted } from './networkSettings';
import type { TrustSetting } from '../registry/transport/trust';
import { parseRecordsSetting, type RecordsSetting } from '../records/promotionRecords';

/** A workspace cannot make the extension hammer a registry with the user's credentials. */
export const MIN_REFRESH_INTERVAL_SECONDS = 5;

export interface Settings {
  configFile(folder?: vscode.Uri): string;
  dockerHost(): string;
  refreshIntervalSeconds(): number;
  insecureRegistries(): readonly string[];
  lookupTimeoutMs(): number;
  /** Resource-scoped: a folder's own value counts (multi-root workspaces). */
  historyFile(folder?: vscode.Uri): string | undefined;
  transport(): TransportSetting;
  records(): RecordsSetting;
  /** The status bar item (statusBar.ts); on unless turned off. */
  statusBar(): boolean;
  /** The private key file that signs promotion attestations; undefined: unsigned. */
  signingKey(): string | undefined;
  /** VS Code's own http.proxy for registry requests; undefined when empty (then HTTP(S)_PROXY / NO_PROXY). */
  proxy(): ProxySetting | undefined;
  /** Extra CAs for registries: imagePromotion.caFiles, and the system store while http.systemCertificates is on. */
  trust(): TrustSetting;
}

const read: Settings = {
  configFile: (folder) => asString(restricted('configFile', folder))?.trim() || DEFAULT_CONFIG_FILE,
  dockerHost: () => asString(restricted('dockerHost'))?.trim() ?? '',
  refreshIntervalSeconds: () => {
    const seconds = vscode.workspace.getConfiguration(SECTION).get<number>('refreshInterval') ?? 60;
    // 0 means "only on demand"; anything else at least the minimum.
    return typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 ? 0 : Math.max(MIN_REFRESH_INTERVAL_SECONDS, seconds);
  },
  insecureRegistries,
  lookupTimeoutMs: () => Math.max(1, vscode.workspace.getConfiguration(SECTION).get<number>('lookupTimeoutSeconds') ?? 15) * 1000,
  historyFile: (folder) => asString(restricted('historyFile', folder))?.trim() || undefined,
  transport: () => {
    const value = vscode.workspace.getConfiguration(SECTION).get<string>('transport');
    return value === 'engine' || value === 'registry' ? value : 'auto';
  },
  records: () => parseRecordsSetting(vscode.workspace.getConfiguration(SECTION).get<string>('records')),
  statusBar: () => vscode.workspace.getConfiguration(SECTION).get<boolean>('statusBar') !== false,
  trust: () => {
    const files = restricted('caFiles');
    return {
      caFiles: Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [],
      caFilesSource: 'imagePromotion.caFiles',
      // VS Code's own default is on: trust what the operating system trusts, as VS Code itself does.
      systemCertificates: vscode.workspace.getConfiguration('http').get<boolean>('systemCertificates') !== false,
    };
  },
  // The user's own value only, trusted workspace or not: a repository must not choose which key signs.
  signingKey: () => asString(vscode.workspace.getConfiguration(SECTION).inspect('signingKey')?.globalValue)?.trim() || undefined,
  proxy: proxySetting,
};

const cached = cachedReads(read);

/** Read at every registry request: kept once `watchSettings` clears them on every change. */
export const settings: Settings = cached.reads;

/** From now on the settings' values are kept, and read again when a setting changes or the workspace is trusted. */
export function watchSettings(): vscode.Disposable {
  const changes = [vscode.workspace.onDidChangeConfiguration(() => cached.clear()), vscode.workspace.onDidGrantWorkspaceTrust(() => cached.clear())];
  cached.clear();
  cached.keep();
  return vscode.Disposable.from(...changes, { dispose: () => cached.stop() });
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function affectsSetting(event: vscode.ConfigurationChangeEvent, name: string, scope?: vscode.Uri): boolean {
  return event.affectsConfiguration(`${SECTION}.${name}`, scope);
}
