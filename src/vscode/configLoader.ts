// Finds one workspace folder's promotion config, parses it on every save, publishes its problems, and
// hands the folder's model the result. Live diagnostics while typing; the model changes only on save.
// A multi-root workspace has one loader per folder (folderWorkspace.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fileSize, readFileBytes } from './workspaceFs';
import { keyFilesIn } from '../config/approverKeys';
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
  private disposed = false;
  /** The file and bytes behind the config the model holds now, so a watcher event for an unchanged file keeps its snapshot. */
  private loaded: string | undefined;

  constructor(
    private readonly folder: vscode.WorkspaceFolder,
    private readonly model: PromotionModel,
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSetting(e, 'configFile', folder.uri)) void this.reload();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.file && e.document.uri.toString() === this.file.toString()) this.lintWhileTyping(e.document);
      }),
    );
  }

  /** The config file in use (or where it would be created). */
  get configUri(): vscode.Uri {
    return this.file ?? this.fileIn(this.folder.uri);
  }

  /** `changed`: only when the file's bytes differ from what is loaded (a file watcher's event; watchers fire twice, and late). */
  async reload(only?: 'changed'): Promise<void> {
    if (this.disposed) return;
    this.file = this.fileIn(this.folder.uri);
    this.watch();
    await this.load(only);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearTimeout(this.typingTimer);
    if (this.file) this.diagnostics.delete(this.file);
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
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
      this.timer = setTimeout(() => void this.reload('changed'), DEBOUNCE_MS);
    };
    // Watch the folder's candidate, so a config created, changed or deleted is followed; a file outside the folder too.
    const patterns = [new vscode.RelativePattern(this.folder, this.settings.configFile(this.folder.uri))];
    if (this.file && !this.file.fsPath.startsWith(this.folder.uri.fsPath + path.sep)) {
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

  private async load(only?: 'changed'): Promise<void> {
    const file = this.file;
    if (!file || this.disposed) return;
    let parsed: ParsedConfig;
    let loaded: string | undefined;
    try {
      // The size first: a cloned repository's 50 MB "config" is not read into memory at all.
      const size = await fileSize(file);
      const bytes = size > MAX_CONFIG_BYTES ? undefined : await readFileBytes(file);
      loaded = bytes && `${file.toString()}\n${Buffer.from(bytes).toString('base64')}`;
      if (only === 'changed' && loaded !== undefined && loaded === this.loaded && this.model.config.kind === 'ready') return;
      parsed = bytes ? parsePromotionConfigBytes(bytes, keyFilesIn(this.folder.uri.fsPath)) : { diagnostics: [tooLarge(size)] };
    } catch {
      this.loaded = undefined;
      this.diagnostics.delete(file);
      return this.publish({ kind: 'no-config', file: file.fsPath });
    }
    this.loaded = parsed.config ? loaded : undefined;
    this.diagnostics.set(file, parsed.diagnostics.map(toDiagnostic));
    if (!parsed.config) {
      this.log.warn(`${file.fsPath} has ${parsed.diagnostics.filter((d) => d.severity === 'error').length} error(s); see the Problems panel`);
      return this.publish({ kind: 'invalid', file: file.fsPath, diagnostics: parsed.diagnostics });
    }
    this.log.info(`Loaded ${file.fsPath}: ${parsed.config.environments.map((e) => e.name).join(' → ')}`);
    this.publish({ kind: 'ready', file: file.fsPath, config: parsed.config, workspaceDir: this.folder.uri.fsPath });
  }

  private publish(state: ConfigState): void {
    // A read that finished after the folder left the workspace changes nothing.
    if (!this.disposed) this.model.setConfig(state);
  }

  private lintWhileTyping(document: vscode.TextDocument): void {
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.diagnostics.set(document.uri, parsePromotionConfig(document.getText(), keyFilesIn(this.folder.uri.fsPath)).diagnostics.map(toDiagnostic));
    }, DEBOUNCE_MS);
  }
}

function toDiagnostic(d: ConfigDiagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.range.startLine, d.range.startColumn, d.range.endLine, d.range.endColumn);
  const diagnostic = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'Image Promotion';
  return diagnostic;
}
