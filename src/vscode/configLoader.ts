// Finds the workspace's promotion config, parses it on every save, publishes its problems, and
// hands the model the result. Live diagnostics while typing; the model changes only on save.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fileExists } from './fileExists';
import { parsePromotionConfigBytes, tooLarge } from '../config/configBytes';
import { MAX_CONFIG_BYTES, parsePromotionConfig } from '../config/parseConfig';
import type { ConfigDiagnostic, ParsedConfig } from '../config/types';
import type { Logger } from '../core/log';
import type { ConfigState, PromotionModel } from '../model/promotionModel';
import { affectsSetting, type Settings } from './settings';

const DEBOUNCE_MS = 150;

export class ConfigLoader implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private typingTimer: NodeJS.Timeout | undefined;
  private file: vscode.Uri | undefined;

  constructor(
    private readonly model: PromotionModel,
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly settings: Settings,
    private readonly log: Logger,
    private readonly onState: (state: ConfigState) => void,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSetting(e, 'configFile')) void this.reload();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.file && e.document.uri.toString() === this.file.toString()) this.lintWhileTyping(e.document);
      }),
    );
  }

  /** The config file in use (or where it would be created). */
  get configUri(): vscode.Uri | undefined {
    return this.file;
  }

  async reload(): Promise<void> {
    this.file = await this.locate();
    this.watch();
    await this.load();
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.typingTimer);
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
  }

  /** The first workspace folder holding the configured file; else where the first folder would hold it. */
  private async locate(): Promise<vscode.Uri | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    for (const folder of folders) {
      const candidate = this.fileIn(folder.uri);
      if (await fileExists(candidate)) return candidate;
    }
    return folders[0] ? this.fileIn(folders[0].uri) : undefined;
  }

  private fileIn(folder: vscode.Uri): vscode.Uri {
    const configured = this.settings.configFile(folder);
    return path.isAbsolute(configured) ? vscode.Uri.file(configured) : vscode.Uri.joinPath(folder, configured);
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    const schedule = (): void => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), DEBOUNCE_MS);
    };
    // Watch the file in use, and every folder's candidate so a config created elsewhere is found.
    const folders = vscode.workspace.workspaceFolders ?? [];
    const patterns = folders.map((f) => new vscode.RelativePattern(f, this.settings.configFile(f.uri)));
    if (this.file && !folders.some((f) => this.file!.fsPath.startsWith(f.uri.fsPath + path.sep))) {
      patterns.push(new vscode.RelativePattern(vscode.Uri.joinPath(this.file, '..'), path.posix.basename(this.file.path)));
    }
    for (const pattern of patterns) {
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      watcher.onDidChange(schedule);
      watcher.onDidCreate(schedule);
      watcher.onDidDelete(schedule);
      this.watchers.push(watcher);
    }
  }

  private async load(): Promise<void> {
    const file = this.file;
    if (!file) return this.publish({ kind: 'no-workspace' });
    let parsed: ParsedConfig;
    try {
      // The size first: a cloned repository's 50 MB "config" is not read into memory at all.
      const { size } = await vscode.workspace.fs.stat(file);
      parsed = size > MAX_CONFIG_BYTES ? { diagnostics: [tooLarge(size)] } : parsePromotionConfigBytes(await vscode.workspace.fs.readFile(file));
    } catch {
      this.diagnostics.delete(file);
      return this.publish({ kind: 'no-config', file: file.fsPath });
    }
    this.diagnostics.set(file, parsed.diagnostics.map(toDiagnostic));
    if (!parsed.config) {
      this.log.warn(`${file.fsPath} has ${parsed.diagnostics.filter((d) => d.severity === 'error').length} error(s); see the Problems panel`);
      return this.publish({ kind: 'invalid', file: file.fsPath, diagnostics: parsed.diagnostics });
    }
    const folder = vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath ?? path.dirname(file.fsPath);
    this.log.info(`Loaded ${file.fsPath}: ${parsed.config.environments.map((e) => e.name).join(' → ')}`);
    this.publish({ kind: 'ready', file: file.fsPath, config: parsed.config, workspaceDir: folder });
  }

  private publish(state: ConfigState): void {
    this.onState(state);
    this.model.setConfig(state);
  }

  private lintWhileTyping(document: vscode.TextDocument): void {
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.diagnostics.set(document.uri, parsePromotionConfig(document.getText()).diagnostics.map(toDiagnostic));
    }, DEBOUNCE_MS);
  }
}

function toDiagnostic(d: ConfigDiagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.range.startLine, d.range.startColumn, d.range.endLine, d.range.endColumn);
  const diagnostic = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'Image Promotion';
  return diagnostic;
}
